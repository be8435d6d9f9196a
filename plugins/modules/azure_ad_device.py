#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: azure_ad_device
short_description: Manage a Microsoft Entra ID (Azure AD) device object through Microsoft Graph
version_added: 1.0.0
description:
  - Reads one Entra ID device, compares it with the wanted properties and sends a single Graph C(PATCH) with only the
    properties that differ. Reports RV(ignore:changed=false) when nothing differs.
  - Deletes the device object with O(state=absent).
  - Devices are created by registration (Entra join, Intune enrollment), not by this module.
  - Graph's rules are checked before writing, and explained when Graph enforces them. Application permissions can change
    only O(extension_attributes) on non-Windows devices, and nothing on Linux devices (a known Graph issue).
    O(is_compliant) and O(is_managed) may be set only by Intune or an approved MDM application. Devices synchronized
    from on-premises Active Directory refuse changes to on-premises-mastered properties.
author:
  - entra.devices maintainers (@entra-devices)
extends_documentation_fragment:
  - entra.devices.graph
attributes:
  check_mode:
    support: full
    description: Every read runs; no write is sent. RV(device) shows the device as it would be.
  diff_mode:
    support: full
    description: Shows the properties in play before and after.
  idempotent:
    support: full
    description: A second run with the same options reports no change and sends no write.
  action_group:
    support: full
    membership:
      - entra.devices.graph
    description: Use C(group/entra.devices.graph) in C(module_defaults) to set the authentication options once.
options:
  object_id:
    description:
      - The device's object id (Graph C(id)), a GUID.
      - Exactly one of O(object_id), O(device_id) and O(name) is required.
    type: str
  device_id:
    description:
      - The device id set at registration (Graph C(deviceId)), a GUID. Addressed through Graph's alternate key
        C(/devices(deviceId='...'\)).
    type: str
  name:
    description:
      - The device's exact display name. Graph compares names case-insensitively and names are not unique.
      - If no device or more than one device has that name, the task fails without writing and lists the candidates.
    type: str
  state:
    description:
      - V(present) updates the existing device. V(absent) deletes the device object; a device that does not exist is V(ok).
    type: str
    default: present
    choices: [present, absent]
  account_enabled:
    description:
      - Whether the device may be used to sign in. V(false) disables a lost or retired device.
    type: bool
  display_name:
    description:
      - The display name, 1 to 256 characters.
    type: str
  operating_system:
    description:
      - The operating system type, for example V(Windows).
    type: str
  operating_system_version:
    description:
      - The operating system version, for example V(10.0.22631.4317).
    type: str
  is_compliant:
    description:
      - Whether the device complies with MDM policies. Only Intune or an approved MDM application may set it.
    type: bool
  is_managed:
    description:
      - Whether the device is managed by an MDM application. Only Intune or an approved MDM application may set it.
    type: bool
  extension_attributes:
    description:
      - Extension attributes to set, keyed C(extensionAttribute1) to C(extensionAttribute15) (keys are case-insensitive).
      - Values are strings of at most 1024 characters, or V(null) to clear the attribute.
      - Attributes not listed are left alone unless O(purge_extension_attributes=true).
    type: dict
  purge_extension_attributes:
    description:
      - Clear every extension attribute not listed in O(extension_attributes).
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to keep looking for a device that is not found, for a device registered moments ago that has not
        replicated yet. V(0) fails at once.
      - Not used with O(devices).
    type: int
    default: 0
  devices:
    description:
      - Bulk mode. Many devices in one task, each an object id string or a dictionary with one identifier
        (C(object_id), C(device_id) or C(name)) plus any of the properties above and C(purge_extension_attributes).
      - Properties set at task level apply to every item unless the item sets them; C(extension_attributes) merge key by key,
        the item's value winning.
      - Devices are read through Graph JSON batching, twenty per request, and only the devices that differ are written,
        in batches of twenty. Throttled items are sent again after their own C(Retry-After).
      - One device's failure does not stop the others. The task fails after everything else is done if any item failed,
        naming them; RV(results) says what happened to each.
      - Every item is validated before any request is sent.
      - Mutually exclusive with O(object_id), O(device_id) and O(name).
    type: list
    elements: raw
seealso:
  - name: Update device (Microsoft Graph)
    description: The Graph operation this module calls.
    link: https://learn.microsoft.com/en-us/graph/api/device-update
'''

EXAMPLES = r'''
- name: Manage Entra ID devices
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/entra.devices.graph:
      tenant_id: "{{ entra_tenant_id }}"
      client_id: "{{ entra_client_id }}"
      client_secret: "{{ entra_client_secret }}"
  tasks:
    - name: Disable a lost laptop
      entra.devices.azure_ad_device:
        device_id: 6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41
        account_enabled: false

    - name: Tag a kiosk for a dynamic group, clearing an old tag
      entra.devices.azure_ad_device:
        name: KIOSK-LOBBY-07
        extension_attributes:
          extensionAttribute1: kiosk
          extensionAttribute2: null

    - name: Keep only the tags listed
      entra.devices.azure_ad_device:
        object_id: 0f8fad5b-d9cb-469f-a165-70867728950e
        extension_attributes:
          extensionAttribute1: kiosk
        purge_extension_attributes: true

    - name: Rename a device and fix its OS version
      entra.devices.azure_ad_device:
        object_id: 0f8fad5b-d9cb-469f-a165-70867728950e
        display_name: WS-FIN-0042
        operating_system_version: 10.0.22631.4317

    - name: Tag many devices in one task (two Graph round trips per twenty devices)
      entra.devices.azure_ad_device:
        extension_attributes:
          extensionAttribute1: kiosk
        devices:
          - 0f8fad5b-d9cb-469f-a165-70867728950e
          - name: KIOSK-LOBBY-07
          - device_id: 6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41
            extension_attributes:
              extensionAttribute2: lobby
      register: bulk

    - name: Delete a retired device object
      entra.devices.azure_ad_device:
        object_id: 0f8fad5b-d9cb-469f-a165-70867728950e
        state: absent

- name: Use a certificate in the US Government cloud
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Disable a device
      entra.devices.azure_ad_device:
        cloud_environment: AzureUSGovernment
        tenant_id: "{{ entra_tenant_id }}"
        client_id: "{{ entra_client_id }}"
        client_certificate_path: /etc/entra/automation.pem
        device_id: 6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41
        account_enabled: false
'''

RETURN = r'''
device:
  description:
    - The device after the change, or as it would be in check mode. Empty after O(state=absent).
    - Keys mirror the options; RV(device.extension_attributes) is keyed exactly as O(extension_attributes), so it can be fed back.
  returned: success, without O(devices)
  type: dict
  contains:
    object_id:
      description: The object id (Graph C(id)).
      type: str
      sample: 0f8fad5b-d9cb-469f-a165-70867728950e
    device_id:
      description: The device id (Graph C(deviceId)).
      type: str
      sample: 6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41
    display_name:
      description: The display name.
      type: str
      sample: WS-FIN-0042
    account_enabled:
      description: Whether the device is enabled.
      type: bool
      sample: true
    operating_system:
      description: The operating system type.
      type: str
      sample: Windows
    operating_system_version:
      description: The operating system version.
      type: str
      sample: 10.0.22631.4317
    is_compliant:
      description: Whether the device is compliant.
      type: bool
      sample: true
    is_managed:
      description: Whether the device is managed by an MDM application.
      type: bool
      sample: true
    extension_attributes:
      description: All fifteen extension attributes; unset ones are V(null).
      type: dict
      sample: {"extensionAttribute1": "kiosk", "extensionAttribute2": null}
    trust_type:
      description: How the device is joined (C(AzureAd), C(ServerAd) for hybrid join, C(Workplace) for registered).
      type: str
      sample: AzureAd
    on_premises_sync_enabled:
      description: V(true) when the device is synchronized from on-premises Active Directory.
      type: bool
      sample: null
    registration_date_time:
      description: When the device was registered.
      type: str
      sample: "2025-03-14T09:26:53Z"
    approximate_last_sign_in_date_time:
      description: When the device last signed in, approximately.
      type: str
      sample: "2026-11-30T07:12:00Z"
    manufacturer:
      description: The manufacturer.
      type: str
      sample: Contoso
    model:
      description: The model.
      type: str
      sample: Laptop 7
    profile_type:
      description: The device profile type, for example C(RegisteredDevice).
      type: str
      sample: RegisteredDevice
    mdm_app_id:
      description: The application id of the MDM that manages the device.
      type: str
      sample: 0000000a-0000-0000-c000-000000000000
changes:
  description: The Graph properties sent in the C(PATCH) (or that would be sent in check mode). Empty when nothing differs.
  returned: success, without O(devices)
  type: dict
  sample: {"accountEnabled": false, "extensionAttributes": {"extensionAttribute1": "kiosk"}}
diff:
  description:
    - The properties in play before and after, in option names.
    - With O(devices), a list of such dictionaries, one per device that changes, each with C(before_header) and
      C(after_header) naming the item.
  returned: success, in diff mode
  type: raw
  sample: {"before": {"account_enabled": true}, "after": {"account_enabled": false}}
results:
  description: Bulk mode only. One entry per item of O(devices), in the same order.
  returned: success or failure, with O(devices)
  type: list
  elements: dict
  contains:
    index:
      description: The item's position in O(devices).
      type: int
      sample: 0
    object_id:
      description: The identifier the item gave (or C(device_id) or C(name), whichever it used).
      type: str
      sample: 0f8fad5b-d9cb-469f-a165-70867728950e
    changed:
      description: Whether this device was changed (or would be, in check mode).
      type: bool
      sample: true
    changes:
      description: The Graph properties sent for this device.
      type: dict
      sample: {"extensionAttributes": {"extensionAttribute1": "kiosk"}}
    device:
      description: The device after the change, as RV(device).
      type: dict
      sample: {}
    failed:
      description: Present and V(true) when this item failed.
      type: bool
      sample: true
    msg:
      description: Why this item failed.
      type: str
      sample: "devices[3] (name KIOSK-9): no such device exists."
request_id:
  description: Graph's request-id of the failed request, for Microsoft support.
  returned: failure, when Graph answered
  type: str
  sample: 5f1d3c9e-8b7a-4c2d-9e1f-0a2b3c4d5e6f
client_request_id:
  description: The client-request-id the module sent with the failed request.
  returned: failure, when Graph answered
  type: str
  sample: 0b6b8f6e-3c55-4d0e-8a8e-2f5b8f8a9a11
date:
  description: Graph's timestamp of the failed request, for Microsoft support.
  returned: failure, when Graph answered
  type: str
  sample: "2026-12-03T10:00:00"
status:
  description: The HTTP status of the failed request.
  returned: failure, when Graph answered
  type: int
  sample: 403
error_code:
  description: Graph's error code of the failed request.
  returned: failure, when Graph answered
  type: str
  sample: Authorization_RequestDenied
rule:
  description:
    - The Graph rule that made the module refuse before writing
      (V(non_windows_app_only), V(linux_app_only) or V(on_premises_mastered)).
  returned: failure, when a rule applies
  type: str
  sample: non_windows_app_only
candidates:
  description: The object ids of every device with the name given in O(name), when more than one has it.
  returned: failure, when O(name) matches several devices
  type: list
  elements: str
  sample: ["0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7"]
error:
  description: The identity platform's error (for example V(invalid_client)) when no token could be obtained.
  returned: failure, when authentication failed
  type: str
  sample: invalid_client
error_codes:
  description: The identity platform's AADSTS error numbers when no token could be obtained.
  returned: failure, when authentication failed
  type: list
  elements: int
  sample: [7000215]
correlation_id:
  description: The identity platform's correlation id, for Microsoft support.
  returned: failure, when authentication failed
  type: str
  sample: 3c1e7b52-8f0e-4b59-9b5e-0e7c1f2d3a4b
trace_id:
  description: The identity platform's trace id, for Microsoft support.
  returned: failure, when authentication failed
  type: str
  sample: 9d3b1a44-5e6f-4a2b-8c7d-1e2f3a4b5c6d
timestamp:
  description: The identity platform's timestamp of the failed token request.
  returned: failure, when authentication failed
  type: str
  sample: "2026-12-03 10:00:00Z"
graph_requests:
  description: How many Graph requests the task sent before it failed (V(0) means nothing was sent).
  returned: failure, after the options were validated
  type: int
  sample: 1
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.entra.devices.plugins.module_utils._common import run_module
from ansible_collections.entra.devices.plugins.module_utils._device_ops import run_device, device_module_kwargs


def main():
    run_module(AnsibleModule(**device_module_kwargs()), run_device)


if __name__ == "__main__":
    main()
