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
