"""factory_boy factories for the inventory models."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory import models
from inventory.choices import HardwareCategory


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrgUnit

    name = factory.Sequence(lambda n: f"Office {n}")
    slug = factory.Sequence(lambda n: f"office-{n}")
    code = factory.Sequence(lambda n: f"{4000 + n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Site

    name = factory.Sequence(lambda n: f"Site {n}")
    slug = factory.Sequence(lambda n: f"site-{n}")
    address = "Marktgasse 1, 8400 Werthausen"


class ManufacturerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Manufacturer
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Vendor {n}")
    slug = factory.Sequence(lambda n: f"vendor-{n}")
    aliases = factory.LazyFunction(list)


class HardwareModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.HardwareModel

    manufacturer = factory.SubFactory(ManufacturerFactory)
    model = factory.Sequence(lambda n: f"PART-{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Model {o.model}")
    category = HardwareCategory.SWITCH
    list_price = Decimal("5000.00")


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Platform
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Platform {n}")
    slug = factory.Sequence(lambda n: f"platform-{n}")
    napalm_driver = "ios"


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Asset

    name = factory.Sequence(lambda n: f"sw{n:04d}")
    hardware_model = factory.SubFactory(HardwareModelFactory)
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    site = factory.SubFactory(SiteFactory)
    purchase_date = dt.date(2020, 3, 1)
    in_service_date = dt.date(2020, 4, 1)
    purchase_cost = Decimal("4200.00")


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Module

    asset = factory.SubFactory(AssetFactory)
    name = factory.Sequence(lambda n: f"Slot {n}")
    part_number = "PWR-C1-715WAC"
    serial = factory.Sequence(lambda n: f"PSU{n:06d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
