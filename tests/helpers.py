"""Helpers shared by the tests."""


def admin_form_data(response) -> dict:
    """The POST data that re-submits an admin change form exactly as it was rendered."""
    data: dict = {}

    def put(bound):
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)

    for bound in response.context["adminform"].form:
        put(bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            put(bound)
        for form in formset.forms:
            for bound in form:
                put(bound)
    return data


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_url() -> str:
    """http:// on a loopback port nobody listens on (bound, then let go)."""
    return f"http://127.0.0.1:{free_port()}"


def run_command(name: str, *args: str) -> tuple[int, str, str]:
    """A management command as the command line runs it: (exit status, stdout, and the error it
    prints on stderr — a CommandError's message, else what it wrote there)."""
    import io

    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err)
    except CommandError as e:
        return e.returncode, out.getvalue(), str(e)
    return 0, out.getvalue(), err.getvalue()


def start_sushy_static(mockup, port: int):
    """sushy-static (sushy-tools) serving the Redfish mockup folder ``mockup`` over HTTP on
    127.0.0.1:``port``, once its service root answers. Returns the process; terminate it."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    import pytest

    command = Path(sys.executable).parent / "sushy-static"
    server = subprocess.Popen(
        [str(command), "-i", "127.0.0.1", "-p", str(port), "-m", str(mockup)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:  # readiness probe: the service root answers
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/redfish/v1/", timeout=1) as answer:  # noqa: S310
                if answer.status == 200:
                    return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"sushy-static did not start on port {port}")
            time.sleep(0.1)
