"""Test settings: the real settings, with tasks run at once and a fast hasher
for the thousands of accounts tests make (Argon2 itself is tested)."""

import os
import tempfile

os.environ.setdefault("TAAWUN_VAR", tempfile.mkdtemp(prefix="taawun-test-"))

from taawun.settings import *  # noqa: F403
from taawun.settings import PASSWORD_HASHERS, STATIC_ROOT, STORAGES

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Thousands of tests sign officers in with force_login (no second factor);
# tests/accounts/test_two_factor.py turns the officers' requirement on.
TAAWUN_OFFICER_2FA = False
# Every test client and browser comes from 127.0.0.1, and the browser tests
# sign in through the form hundreds of times a minute, with counters that
# outlive transactional tests; tests/trust/test_rate_limits.py and
# tests/trust/test_headers.py turn the limits on.
TAAWUN_RATE_LIMITS = False
SITE_URL = "http://testserver"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks here even when finders serve
