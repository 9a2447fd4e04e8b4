from .assets import Asset, Module, Tag
from .catalogue import HardwareModel, Manufacturer, Platform
from .changes import ObjectChange
from .organisation import OrgUnit, Site
from .users import Token, UserPreference

__all__ = [
    "Asset",
    "HardwareModel",
    "Manufacturer",
    "Module",
    "ObjectChange",
    "OrgUnit",
    "Platform",
    "Site",
    "Tag",
    "Token",
    "UserPreference",
]
