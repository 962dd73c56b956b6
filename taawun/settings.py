"""Django settings for Taawun.

Everything that differs between a laptop and a server comes from the
environment: DATABASE_URL, TAAWUN_SECRET_KEY, TAAWUN_DEBUG, TAAWUN_HTTPS,
TAAWUN_ALLOWED_HOSTS, TAAWUN_EMAIL_URL-free SMTP settings (EMAIL_HOST...).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TAAWUN_VAR", BASE_DIR.parent / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("TAAWUN_DEBUG", False)
HTTPS = _flag("TAAWUN_HTTPS", False)


def _secret_key() -> str:
    """A stable key per installation: from the environment, else var/secret_key."""
    if key := os.environ.get("TAAWUN_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("TAAWUN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
SITE_URL = os.environ.get("TAAWUN_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "taawun.accounts",
    "taawun.ledger",
    "taawun.membership",
    "taawun.governance",
    "taawun.economy",
    "taawun.knowledge",
    "taawun.federation",
    "taawun.privacy",
    "taawun.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "taawun.accounts.middleware.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "taawun.accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "taawun.web.ratelimits.SignInRateLimitMiddleware",
    "axes.middleware.AxesMiddleware",
    "taawun.web.middleware.ErrorPageMiddleware",
]

ROOT_URLCONF = "taawun.urls"
WSGI_APPLICATION = "taawun.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "taawun.web.context_processors.taawun",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite in var/ by default: WAL so that readers never wait for the writer,
# a busy timeout so that concurrent writers queue instead of failing, and
# IMMEDIATE transactions so that a transaction takes the write lock when it
# starts (a deferred one that upgrades later can fail with "database is
# locked" no matter how long the timeout is).
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'taawun.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security ------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if _flag("TAAWUN_FAST_HASHER"):
    # Tests and benchmarks create thousands of accounts; Argon2 is kept for
    # the accounts that sign in (it stays first for real installations).
    PASSWORD_HASHERS.insert(0, "django.contrib.auth.hashers.MD5PasswordHasher")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Emails are unique ignoring case by a database constraint on Lower(email),
# which this check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Repeated failed sign-ins: after AXES_FAILURE_LIMIT failures for one
# account from one address, that pair is locked out for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = int(os.environ.get("TAAWUN_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "taawun.accounts.views.locked_out"
# The same client address as the rate limits (behind the TLS proxy: the one
# the proxy saw), so that a lockout is per account and address, not per
# account for the whole world behind the proxy.
AXES_CLIENT_IP_CALLABLE = "taawun.web.ratelimits.axes_client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Two-factor sign-in (taawun/accounts/two_factor.py): anyone who holds an
# office in a cooperative must set up an authenticator app and give its
# code when signing in; TAAWUN_OFFICER_2FA=off makes it a choice for them
# too. Codes are 6 digits every 30 s; the name shown in the app:
TAAWUN_OFFICER_2FA = _flag("TAAWUN_OFFICER_2FA", True)
OTP_TOTP_ISSUER = os.environ.get("TAAWUN_OTP_ISSUER", "Taawun")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True  # no page reads it from JavaScript: forms carry the token
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("TAAWUN_HSTS_SUBDOMAINS", True)
    SECURE_SSL_REDIRECT = True
    # The "__Secure-" prefix: browsers accept these cookies only over HTTPS
    # with the Secure flag, so a plain-http page on a sibling domain cannot
    # plant them.
    SESSION_COOKIE_NAME = "__Secure-sessionid"
    CSRF_COOKIE_NAME = "__Secure-csrftoken"
    LANGUAGE_COOKIE_SECURE = True

# Content Security Policy (django-csp): scripts, styles, fonts and frames
# only from this site, no inline script or style, no plugins, no framing.
# Pages keep their styles in taawun/web/static/taawun/taawun.css and any
# script in static files; images may be data: URIs (the favicon, QR codes).
# /api/docs needs no exception: with "ninja" installed, django-ninja serves
# Swagger UI from its own static files, and its settings as JSON data.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Rate limits (taawun/web/ratelimits.py) --------------------------------
# Counters in a table of the database, shared by every gunicorn worker.
# TAAWUN_RATE_LIMITS=off turns them off (benchmarks that sign in thousands
# of times from one address).
TAAWUN_RATE_LIMITS = _flag("TAAWUN_RATE_LIMITS", True)
CACHES = {
    # Pages cached under a cooperative's version (membership/caching.py)
    # need nothing shared between processes: memory is fastest.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "taawun_rate_limits",
        # Django's database cache counts the table on every write and
        # deletes expired rows only when it holds more than MAX_ENTRIES:
        # a small bound keeps both cheap. An hour of counters from a busy
        # server stays below it; past it, expired counters go first.
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}
RATELIMIT_USE_CACHE = "ratelimit"

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "TAAWUN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _flag("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("TAAWUN_FROM_EMAIL", "Taawun <noreply@taawun.localhost>")

# --- Background work --------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TAAWUN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Languages and time -----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_NAME = "taawun_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TAAWUN_LOG_LEVEL", "WARNING")},
}

# Taawun's own settings.
TAAWUN_INVITATION_DAYS = 14
TAAWUN_PAGE_SIZE = 50

# --- Federation (taawun.federation; docs/federation.md) ----------------------
# Only the test suite's instances on loopback turn on the first three:
# a name map consulted before DNS (feeding the same resolve-then-check path
# as real names), loopback addresses, and plain http.
TAAWUN_FEDERATION_HOSTS = dict(
    pair.split("=", 1)
    for pair in os.environ.get("TAAWUN_FEDERATION_HOSTS", "").split(",")
    if "=" in pair
)
TAAWUN_FEDERATION_ALLOW_LOOPBACK = _flag("TAAWUN_FEDERATION_ALLOW_LOOPBACK")
TAAWUN_FEDERATION_ALLOW_HTTP = _flag("TAAWUN_FEDERATION_ALLOW_HTTP")
# Speak only to the domains on the allow list.
TAAWUN_FEDERATION_ALLOWLIST_ONLY = _flag("TAAWUN_FEDERATION_ALLOWLIST_ONLY")
# An inbox refuses bodies over this many bytes, and requests whose Date is
# further than this many seconds from our clock.
TAAWUN_FEDERATION_INBOX_MAX_BYTES = 1_000_000
TAAWUN_FEDERATION_DATE_WINDOW = 60 * 60
