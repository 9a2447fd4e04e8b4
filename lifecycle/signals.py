"""Keep ``LifecycleState`` current: whatever an asset's answers depend on asks for a refresh of
the assets concerned. Changes to assets (and their modules) refresh them after the transaction
commits (``lifecycle.state.schedule``); changes to the catalogue — policies, notices, releases,
contracts, hardware models — can touch many assets and go to the background when they do
(``lifecycle.state.request``), so that no request waits for a refresh of the whole inventory."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from inventory.models import Asset, HardwareModel, Module
from inventory.signals import assets_changed
from lifecycle import state
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease


def _asset_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        state.schedule([instance.pk])


def _assets_changed(sender, asset_ids, within=False, **kwargs):
    if within:
        state.refresh(ids=asset_ids)
    else:
        state.schedule(asset_ids)


def _module_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        state.schedule([instance.asset_id])


def _contract_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        state.request(instance.assets.values_list("pk", flat=True), reason="contract")


def _contract_assets(sender, instance, action, pk_set, model, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if isinstance(instance, Contract):
        state.request(pk_set if pk_set else instance.assets.values_list("pk", flat=True), reason="contract")
    else:  # changed from the asset's side
        state.schedule([instance.pk])


def _notice_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.pk:
        state.request(
            [
                *Asset.objects.filter(hardware_model__notices=instance).values_list("pk", flat=True),
                *Asset.objects.filter(modules__hardware_model__notices=instance).values_list("pk", flat=True),
            ],
            reason="hardware notice",
        )


def _notice_models(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if isinstance(instance, HardwareNotice):
        models = pk_set if pk_set else list(instance.hardware_models.values_list("pk", flat=True))
    else:
        models = [instance.pk]
    state.request(
        [
            *Asset.objects.filter(hardware_model__in=models).values_list("pk", flat=True),
            *Asset.objects.filter(modules__hardware_model__in=models).values_list("pk", flat=True),
        ],
        reason="hardware notice",
    )


def _release_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        state.request(
            Asset.objects.filter(platform_id=instance.platform_id).values_list("pk", flat=True),
            reason="software release",
        )


def _everything(sender, instance, raw=False, **kwargs):
    if not raw:
        state.request(state.ALL, reason="lifecycle policy")


def _model_changed(sender, instance, raw=False, created=False, **kwargs):
    # the category picks the policy; a new model has no assets yet
    if not raw and not created:
        state.request(instance.assets.values_list("pk", flat=True), reason="hardware model")


def connect() -> None:
    uid = "werterhalt-lifecycle-state-"
    post_save.connect(_asset_saved, sender=Asset, dispatch_uid=uid + "asset")
    assets_changed.connect(_assets_changed, dispatch_uid=uid + "bulk")
    post_save.connect(_module_changed, sender=Module, dispatch_uid=uid + "module")
    post_delete.connect(_module_changed, sender=Module, dispatch_uid=uid + "module-del")
    post_save.connect(_model_changed, sender=HardwareModel, dispatch_uid=uid + "model")
    post_save.connect(_contract_changed, sender=Contract, dispatch_uid=uid + "contract")
    m2m_changed.connect(
        _contract_assets, sender=Contract.assets.through, dispatch_uid=uid + "contract-assets"
    )
    post_save.connect(_notice_changed, sender=HardwareNotice, dispatch_uid=uid + "notice")
    # before a delete, while the links that say which assets are concerned still exist
    pre_delete.connect(_notice_changed, sender=HardwareNotice, dispatch_uid=uid + "notice-del")
    pre_delete.connect(_contract_changed, sender=Contract, dispatch_uid=uid + "contract-del")
    m2m_changed.connect(_notice_models, sender=HardwareNotice.hardware_models.through,
                        dispatch_uid=uid + "notice-models")
    post_save.connect(_release_changed, sender=SoftwareRelease, dispatch_uid=uid + "release")
    post_delete.connect(_release_changed, sender=SoftwareRelease, dispatch_uid=uid + "release-del")
    post_save.connect(_everything, sender=LifecyclePolicy, dispatch_uid=uid + "policy")
    post_delete.connect(_everything, sender=LifecyclePolicy, dispatch_uid=uid + "policy-del")
