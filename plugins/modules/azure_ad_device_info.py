#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) entra.devices contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: azure_ad_device_info
short_description: Find Microsoft Entra ID (Azure AD) devices through Microsoft Graph
version_added: 1.0.0
description:
  - Returns one device by O(object_id), O(device_id) or O(name), the devices an OData O(filter) selects, or every device
    when none of these is given.
  - Follows every page of results (C(@odata.nextLink)).
  - Switches to Graph's advanced-query form (C(ConsistencyLevel=eventual) and C($count=true)) when the filter needs it,
    that is when it uses C(extensionAttributes), C(ne), C(not) or C(endsWith), or when O(advanced_query=true).
  - Read-only; it never changes anything.
author:
  - entra.devices maintainers (@entra-devices)
extends_documentation_fragment:
  - entra.devices.graph
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same in check mode.
  diff_mode:
    support: none
    description: The module only reads; there is nothing to diff.
  idempotent:
    support: full
    description: The module only reads.
  action_group:
    support: full
    membership:
      - entra.devices.graph
    description: Use C(group/entra.devices.graph) in C(module_defaults) to set the authentication options once.
options:
  object_id:
    description:
      - The object id (Graph C(id)) of one device. A device that does not exist gives an empty RV(devices).
      - Mutually exclusive with O(device_id), O(name) and O(filter).
    type: str
  device_id:
    description:
      - The device id (Graph C(deviceId)) of one device.
    type: str
  name:
    description:
      - A display name. Every device of that name is returned (names are not unique; Graph compares them case-insensitively).
    type: str
  filter:
    description:
      - A raw OData C($filter), for example V(operatingSystem eq 'Windows' and accountEnabled eq true)
        or V(extensionAttributes/extensionAttribute1 eq 'kiosk').
      - Quote string literals with single quotes and double a quote inside one (V('O''Brien')).
    type: str
  advanced_query:
    description:
      - Always use the advanced-query form, even when the filter does not need it.
    type: bool
    default: false
  page_size:
    description:
      - How many devices Graph returns per page (C($top)), 1 to 999. Larger pages mean fewer requests.
    type: int
    default: 999
seealso:
  - module: entra.devices.azure_ad_device
  - name: List devices (Microsoft Graph)
    description: The Graph operation this module calls.
    link: https://learn.microsoft.com/en-us/graph/api/device-list
'''

EXAMPLES = r'''
- name: Find devices
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/entra.devices.graph:
      tenant_id: "{{ entra_tenant_id }}"
      client_id: "{{ entra_client_id }}"
      client_secret: "{{ entra_client_secret }}"
  tasks:
    - name: Find every kiosk tagged for the dynamic group
      entra.devices.azure_ad_device_info:
        filter: "extensionAttributes/extensionAttribute1 eq 'kiosk'"
      register: kiosks

    - name: Disable every kiosk found
      entra.devices.azure_ad_device:
        object_id: "{{ item.object_id }}"
        account_enabled: false
      loop: "{{ kiosks.devices }}"
      loop_control:
        label: "{{ item.display_name }}"

    - name: Look up one device by name
      entra.devices.azure_ad_device_info:
        name: WS-FIN-0042
      register: found

    - name: List every Windows device
      entra.devices.azure_ad_device_info:
        filter: "operatingSystem eq 'Windows'"
      register: windows_devices
'''

RETURN = r'''
devices:
  description:
    - The devices found, each in the shape of the RV(entra.devices.azure_ad_device#module:device) result of
      M(entra.devices.azure_ad_device).
  returned: success
  type: list
  elements: dict
  sample:
    - object_id: 0f8fad5b-d9cb-469f-a165-70867728950e
      device_id: 6b1fd0e2-5a8d-4c26-9b7e-3f1c2a9d8e41
      display_name: WS-FIN-0042
      account_enabled: true
      operating_system: Windows
      operating_system_version: 10.0.22631.4317
      is_compliant: true
      is_managed: true
      extension_attributes: {"extensionAttribute1": "kiosk", "extensionAttribute2": null}
      trust_type: AzureAd
      on_premises_sync_enabled: null
      registration_date_time: "2025-03-14T09:26:53Z"
      approximate_last_sign_in_date_time: "2026-11-30T07:12:00Z"
      manufacturer: Contoso
      model: Laptop 7
      profile_type: RegisteredDevice
      mdm_app_id: 0000000a-0000-0000-c000-000000000000
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
from ansible_collections.entra.devices.plugins.module_utils._device_ops import device_info, info_module_kwargs


def main():
    run_module(AnsibleModule(**info_module_kwargs()), device_info)


if __name__ == "__main__":
    main()
