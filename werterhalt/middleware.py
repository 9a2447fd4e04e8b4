import logging
import time
import uuid

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login, except the API: it authenticates tokens and sessions itself and
    answers 401/403 (a script must not be redirected to a login form)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RequestSizeLimitMiddleware:
    """A request whose Content-Length exceeds ``UPLOAD_MAX_BYTES`` is answered 413 before its
    body is read (Django would first spool it, and the import then parse it). A malformed
    Content-Length is a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.UPLOAD_MAX_BYTES
        if not declared.isdigit():
            return self._refuse(request, 400, _("The request has an invalid Content-Length."))
        if int(declared) > limit:
            return self._refuse(request, 413, _("The upload is larger than %(mb)s MB.")
                                % {"mb": f"{limit / 1024 / 1024:g}"})
        return self.get_response(request)

    @staticmethod
    def _refuse(request, status: int, message: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.CONTENT_SECURITY_POLICY`` with every answer that has none: scripts only
    from this site's own files (no inline script, no eval), nothing from other hosts."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


_request_log = logging.getLogger("werterhalt.request")


class RequestLogMiddleware:
    """One log record per request (logger ``werterhalt.request``, INFO): method, path (without
    the query, which may hold search terms), status, milliseconds, user, client address and a
    request id (the X-Request-ID the proxy sent, else a new one; echoed in the answer). With
    ``LOG_FORMAT=json`` each is a JSON line (``werterhalt.logformat``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from werterhalt.api.authentication import client_address

        request_id = (request.META.get("HTTP_X_REQUEST_ID") or "")[:64] or uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        fields = {
            "method": request.method, "path": request.path, "status": response.status_code,
            "ms": round((time.monotonic() - started) * 1000, 1),
            "user": user.get_username() if user is not None and user.is_authenticated else "",
            "client": client_address(request), "request_id": request_id,
        }
        _request_log.info("%(method)s %(path)s %(status)s %(ms)sms", fields, extra=fields)
        response["X-Request-ID"] = request_id
        return response
