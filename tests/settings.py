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
SITE_URL = "http://testserver"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks here even when finders serve
