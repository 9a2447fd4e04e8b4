from .assets import Asset, Module, Tag
from .catalogue import HardwareModel, Manufacturer, Platform
from .changes import ObjectChange
from .organisation import OrgUnit, Site
from .users import AccessScope, Token, UserPreference

__all__ = [
    "AccessScope",
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
