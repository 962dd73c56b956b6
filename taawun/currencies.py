"""ISO 4217 minor units of the currencies Taawun accepts.

Money is stored as Decimal with exactly this many decimal places.
"""

from __future__ import annotations

MINOR_UNITS: dict[str, int] = {
    # Three decimal places: the dinars and rials that use fils/millimes/baisa.
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # No minor unit in use.
    "CLP": 0,
    "ISK": 0,
    "JPY": 0,
    "KRW": 0,
    "UGX": 0,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    # Two decimal places.
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "DZD": 2,
    "EGP": 2,
    "ETB": 2,
    "EUR": 2,
    "GBP": 2,
    "GHS": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "KES": 2,
    "LBP": 2,
    "MAD": 2,
    "MXN": 2,
    "MYR": 2,
    "NGN": 2,
    "NOK": 2,
    "NZD": 2,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "QAR": 2,
    "RON": 2,
    "SAR": 2,
    "SDG": 2,
    "SEK": 2,
    "SYP": 2,
    "THB": 2,
    "TRY": 2,
    "TZS": 2,
    "UAH": 2,
    "USD": 2,
    "YER": 2,
    "ZAR": 2,
}

# ISO 3166-1 alpha-2 codes, so that a cooperative's country is a real one.
COUNTRIES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN
    BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL
    GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM
    JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP
    NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD
    SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO
    TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
    """.split()
)
