from inventory.changelog import change_actor
from inventory.choices import ActorKind


class ChangeActorMiddleware:
    """Attribute the changes of a signed-in person's request to that person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with change_actor(ActorKind.USER, user.get_username(), user=user):
            return self.get_response(request)
