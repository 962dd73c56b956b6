"""The demo network: three cooperatives in three countries, made through the
same actions as everything else, so the ledger history is real.

Loading twice changes nothing: each cooperative is made only if its short
name is free, each person only if their email is.
"""

from __future__ import annotations

from django.db import transaction

from taawun.accounts.models import User
from taawun.economy.demo import load_books, load_budget
from taawun.federation import demo as federation_demo
from taawun.knowledge import demo as knowledge_demo
from taawun.membership import actions
from taawun.membership.bylaws import default_bylaws
from taawun.membership.models import Cooperative

DEMO_PASSWORD = "taawun-demo-2026"
DOMAIN = "demo.taawun.coop"

# (slug, names, country, currency, languages, probation days, people, applicants)
# Each person: (email local part, name, class). The first founds the cooperative.
NETWORK = [
    (
        "masar-code",
        {"ar": "تعاونية مسار للبرمجة", "en": "Masar Code Cooperative"},
        "EG",
        "EGP",
        ["ar", "en"],
        0,
        [
            ("amina", "أمينة حسن", "worker"),
            ("omar", "عمر فاروق", "worker"),
            ("layla", "ليلى محمود", "worker"),
            ("youssef", "يوسف عادل", "worker"),
            ("nour", "نور الدين سالم", "worker"),
            ("mariam", "مريم خليل", "user"),
            ("karim", "Karim Mostafa", "user"),
            ("salma", "سلمى إبراهيم", "worker"),
            ("hany", "هاني فتحي", "supporter"),
            ("dina", "دينا سمير", "user"),
        ],
        [("tarek", "طارق نبيل", "worker"), ("rania", "رانيا فؤاد", "user")],
    ),
    (
        "nawa-net",
        {"ar": "شبكة نواة المجتمعية", "en": "Nawa Community Network"},
        "TN",
        "TND",
        ["ar", "en"],
        90,
        [
            ("sami", "سامي بن علي", "worker"),
            ("ines", "إيناس الطرابلسي", "worker"),
            ("mehdi", "مهدي الجزيري", "user"),
            ("rim", "ريم الغربي", "user"),
            ("walid", "Walid Chebbi", "worker"),
            ("amel", "آمال منصور", "user"),
            ("fares", "فارس حداد", "supporter"),
            ("yasmine", "ياسمين بوعزيزي", "user"),
            ("khaled", "خالد المجري", "worker"),
            ("hela", "هالة الزواري", "user"),
        ],
        [("bilel", "بلال ساسي", "user"), ("sirine", "سيرين العياري", "worker")],
    ),
    (
        "leeds-tech",
        {"en": "Leeds Tech Workers' Co-op", "ar": "تعاونية عمال التقنية في ليدز"},
        "GB",
        "GBP",
        ["en", "ar"],
        0,
        [
            ("sarah", "Sarah Whitfield", "worker"),
            ("james", "James Okafor", "worker"),
            ("priya", "Priya Shah", "worker"),
            ("tom", "Tom Reynolds", "worker"),
            ("fatima", "Fatima Begum", "worker"),
            ("ahmed", "Ahmed Yusuf", "user"),
            ("grace", "Grace Liu", "user"),
            ("daniel", "Daniel Murphy", "supporter"),
            ("hannah", "Hannah Price", "worker"),
            ("amina", "أمينة حسن", "supporter"),
        ],
        [("ollie", "Ollie Bennett", "worker"), ("zara", "Zara Ali", "user")],
    ),
]


def _person(local: str, name: str, language: str) -> User:
    email = f"{local}@{DOMAIN}"
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, name=name, language=language)
    return user


def load_demo() -> str:
    made = []
    for slug, names, country, currency, languages, probation, people, applicants in NETWORK:
        if Cooperative.objects.filter(slug=slug).exists():
            continue
        with transaction.atomic():
            lang = languages[0]
            founder = _person(people[0][0], people[0][1], lang)
            bylaws = default_bylaws()
            bylaws["share_par_value"] = {"EGP": "100.00", "TND": "20.000"}.get(currency, "10.00")
            bylaws["probation_days"] = probation
            coop = actions.create_cooperative(
                founder=founder,
                slug=slug,
                names=names,
                country=country,
                currency=currency,
                languages=languages,
                bylaws=bylaws,
                founder_class=people[0][2],
            )
            members = []
            for local, name, klass in people[1:]:
                user = _person(local, name, lang)
                applied = actions.apply_for_membership(
                    user=user,
                    coop=coop,
                    membership_class=klass,
                    statement="I would like to take part.",
                )
                members.append(actions.admit_member(applied, by=founder))
            # Where the bylaws set a probation, the older members have passed it.
            members = [
                actions.change_member_status(m, by=founder, to="active") if probation else m
                for m in members[:-2]
            ] + members[-2:]
            # Hand the offices on, as a founding meeting would.
            actions.set_offices(members[0], by=founder, offices=["secretary", "board"])
            actions.set_offices(members[1], by=founder, offices=["treasurer"])
            actions.set_offices(members[2], by=founder, offices=["board"])
            actions.set_offices(coop.members.get(user=founder), by=founder, offices=["board"])
            secretary = members[0].user
            actions.amend_bylaws(
                by=founder, coop=coop, bylaws=dict(coop.bylaws, quorum_percent="40")
            )
            treasurer = coop.members.get(pk=members[1].pk)
            load_books(coop, treasurer=treasurer, secretary=coop.members.get(pk=members[0].pk))
            load_budget(coop, treasurer=treasurer)
            knowledge_demo.load(coop, secretary=coop.members.get(pk=members[0].pk))
            actions.change_member_status(
                members[-1], by=secretary, to="suspended", reason="Dues unpaid for a year."
            )
            actions.change_member_status(
                members[-1], by=secretary, to="active", reason="Dues paid."
            )
            for local, name, klass in applicants:
                actions.apply_for_membership(
                    user=_person(local, name, lang),
                    coop=coop,
                    membership_class=klass,
                    statement="I have followed your work and want to join.",
                )
            actions.invite_member(
                by=secretary,
                coop=coop,
                email=f"invited-{slug}@{DOMAIN}",
                membership_class="user",
            )
            made.append(slug)
    knowledge_demo.load_network()
    federation_demo.load()
    summary = ", ".join(made) if made else "nothing new (already loaded)"
    return (
        f"Demo network: {summary}.\n"
        f"Sign in at /accounts/login/ as amina@{DOMAIN} (member of two cooperatives), "
        f"sarah@{DOMAIN} or sami@{DOMAIN}; every demo password is {DEMO_PASSWORD}.\n"
        "They are officers, so on first sign-in each is asked to set up two-factor "
        "sign-in with an authenticator app (TAAWUN_OFFICER_2FA=off skips it)."
    )
