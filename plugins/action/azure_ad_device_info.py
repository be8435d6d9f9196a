# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs entra.devices.azure_ad_device_info in the controller process when the task runs on the controller."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.entra.devices.plugins.module_utils._device_ops import device_info, info_module_kwargs
from ansible_collections.entra.devices.plugins.plugin_utils._controller_action import ControllerAction


class ActionModule(ControllerAction):
    MODULE = "entra.devices.azure_ad_device_info"
    MODULE_KWARGS = staticmethod(info_module_kwargs)
    TASK = staticmethod(device_info)
