import os
import secrets
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run the service for development: apply migrations, make a first admin user, then "
        "serve on --addr (runserver, or gunicorn with --gunicorn) until interrupted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default=f"127.0.0.1:{os.environ.get('PORT', '8000')}")
        parser.add_argument("--gunicorn", action="store_true", help="serve with gunicorn as production does")

    def handle(self, *args: Any, **options: Any) -> None:
        # SIGTERM (a supervisor, `kill`) must run the exit hooks that stop the embedded
        # PostgreSQL, which Python's default SIGTERM handling skips.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        call_command("migrate", interactive=False, verbosity=1)
        self.ensure_first_admin()
        self.serve(options["addr"], use_gunicorn=options["gunicorn"])

    def ensure_first_admin(self) -> None:
        user_model = get_user_model()
        if not settings.DEBUG or user_model.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "", password)
        self.stdout.write(self.style.SUCCESS(f"Created admin user 'admin' with password {password} (shown once)."))

    def serve(self, addr: str, *, use_gunicorn: bool) -> None:
        # Children connect to the database we already run; they never start or stop it.
        child_env = {**os.environ, "DATABASE_URL": settings.DATABASE_URL}
        if use_gunicorn:
            command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", addr, "--workers", "4"]
        else:
            command = [sys.executable, "manage.py", "runserver", addr]
        self.stdout.write(
            f"Serving on http://{addr}/ ; admin at http://{addr}/admin/ "
            "(forgot the password? `manage.py changepassword admin`). Ctrl-C stops."
        )
        self.stdout.flush()
        child = subprocess.Popen(command, env=child_env)
        try:
            child.wait()
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait(timeout=10)
