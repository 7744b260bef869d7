"""Writing audit events. Callers pass details that contain no secret."""

from .models import AuditEvent


def client_ip(request):
    """Return the client address Django saw (REMOTE_ADDR); proxies must set it correctly."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(organization, action, *, request=None, actor=None, target=None, details=None):
    """Store one AuditEvent for organization.

    `target` is a model instance (its class name and public id are stored) or a
    `(type, id)` pair. The actor defaults to the request's user.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    target_type, target_id = "", ""
    if isinstance(target, tuple):
        target_type, target_id = target
    elif target is not None:
        target_type = type(target).__name__
        target_id = str(getattr(target, "public_id", None) or target.pk)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_label=getattr(actor, "email", "") or getattr(actor, "username", "") or "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip_address=client_ip(request),
        details=details or {},
    )
