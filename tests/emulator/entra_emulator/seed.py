"""Fixed identities and devices the emulator starts with; tests may refer to these constants."""

TENANT_ID = "8f1f6b3e-2c4d-4e5f-9a0b-1c2d3e4f5a6b"

# Well-known first-party application ids.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
INTUNE_APP_ID = "0000000a-0000-0000-c000-000000000000"

# Directory role template ids carried in the wids claim of delegated tokens.
ROLE_GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"
ROLE_INTUNE_ADMINISTRATOR = "3a2c62db-5318-420d-8d74-23affee5d9d5"
ROLE_CLOUD_DEVICE_ADMINISTRATOR = "7698a772-787b-4ac8-901f-60d6b08affd2"
ROLE_WINDOWS_365_ADMINISTRATOR = "11451d60-acb2-45eb-a7d6-43d0f0125c13"

# The signed-in user of delegated tokens minted by Emulator.mint_token().
DELEGATED_USER = {"oid": "5e7a9c1d-0b2f-4d3e-8a6c-0f1e2d3c4b5a", "upn": "admin@emulator.onmicrosoft.com", "name": "Emulator Admin"}

UAMI_RESOURCE_ID = ("/subscriptions/00000000-0000-4000-8000-00000000e5e5/resourceGroups/rg-emulator"
                    "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami")

# name -> registration. kind: "app" (confidential client), "intune", "mdm" (approved MDM app),
# "system-assigned" / "user-assigned" (managed identities, reached through IMDS only).
APPS = {
    "automation": {"client_id": "a0000001-0000-4000-8000-00000000a001", "object_id": "a0000001-0000-4000-8000-00000000b001",
                   "roles": ["Device.ReadWrite.All"], "kind": "app", "secret": True, "certificate": True},
    "reader": {"client_id": "a0000002-0000-4000-8000-00000000a002", "object_id": "a0000002-0000-4000-8000-00000000b002",
               "roles": ["Device.Read.All"], "kind": "app", "secret": True, "certificate": False},
    "noperms": {"client_id": "a0000003-0000-4000-8000-00000000a003", "object_id": "a0000003-0000-4000-8000-00000000b003",
                "roles": [], "kind": "app", "secret": True, "certificate": False},
    "intune": {"client_id": "a0000004-0000-4000-8000-00000000a004", "object_id": "a0000004-0000-4000-8000-00000000b004",
               "roles": ["Device.ReadWrite.All"], "kind": "intune", "secret": True, "certificate": False},
    "mdm": {"client_id": "a0000005-0000-4000-8000-00000000a005", "object_id": "a0000005-0000-4000-8000-00000000b005",
            "roles": ["Device.ReadWrite.All"], "kind": "mdm", "secret": True, "certificate": False},
    "vm-identity": {"client_id": "a0000006-0000-4000-8000-00000000a006", "object_id": "a0000006-0000-4000-8000-00000000b006",
                    "roles": ["Device.ReadWrite.All"], "kind": "system-assigned", "secret": False, "certificate": False},
    "uami": {"client_id": "a0000007-0000-4000-8000-00000000a007", "object_id": "a0000007-0000-4000-8000-00000000b007",
             "roles": ["Device.ReadWrite.All"], "kind": "user-assigned", "secret": False, "certificate": False,
             "resource_id": UAMI_RESOURCE_ID},
}


def _ids(number):
    return {"id": "d0000000-0000-4000-8000-%012d" % number, "deviceId": "dd000000-0000-4000-8000-%012d" % number}


_WINDOWS_MANAGED = {"operatingSystem": "Windows", "operatingSystemVersion": "10.0.22631.4317", "trustType": "AzureAd",
                    "isCompliant": True, "isManaged": True, "mdmAppId": INTUNE_APP_ID, "deviceOwnership": "Company",
                    "enrollmentType": "AzureDomainJoined", "managementType": "MDM", "profileType": "RegisteredDevice",
                    "manufacturer": "Dell Inc.", "model": "Latitude 7440"}

# key -> Graph properties. Keys are the display names, except where display names repeat.
SEED_DEVICES = {
    "WS-ALICE-01": dict(_WINDOWS_MANAGED, displayName="WS-ALICE-01", registrationDateTime="2024-03-04T09:15:00Z",
                        approximateLastSignInDateTime="2025-01-10T08:01:02Z", **_ids(1)),
    "WS-CAROL-02": dict(_WINDOWS_MANAGED, displayName="WS-CAROL-02", registrationDateTime="2024-03-05T10:00:00Z",
                        approximateLastSignInDateTime="2025-01-09T17:30:00Z",
                        extensionAttributes={"extensionAttribute1": "Finance", "extensionAttribute2": "Building-7",
                                             "extensionAttribute15": "cost-center-4711"}, **_ids(2)),
    "WS-DAVE-03": dict(_WINDOWS_MANAGED, displayName="WS-DAVE-03", accountEnabled=False, isCompliant=False,
                       registrationDateTime="2023-11-20T12:00:00Z", approximateLastSignInDateTime="2024-06-01T07:45:00Z", **_ids(3)),
    "WS-HYBRID-04": dict(_WINDOWS_MANAGED, displayName="WS-HYBRID-04", trustType="ServerAd", onPremisesSyncEnabled=True,
                         onPremisesLastSyncDateTime="2025-01-10T06:00:00Z", enrollmentType="OnPremiseCoManaged",
                         registrationDateTime="2022-08-15T14:20:00Z", approximateLastSignInDateTime="2025-01-10T07:55:00Z",
                         operatingSystemVersion="10.0.19045.5247", **_ids(4)),
    "KIOSK-LOBBY#1": dict(_WINDOWS_MANAGED, displayName="KIOSK-LOBBY", model="OptiPlex 7010", deviceOwnership="Company",
                          registrationDateTime="2024-01-02T09:00:00Z", approximateLastSignInDateTime="2025-01-10T06:30:00Z", **_ids(5)),
    "KIOSK-LOBBY#2": dict(_WINDOWS_MANAGED, displayName="KIOSK-LOBBY", model="OptiPlex 7010", isCompliant=False,
                          registrationDateTime="2024-09-12T09:00:00Z", approximateLastSignInDateTime="2024-12-24T18:00:00Z", **_ids(6)),
    "MAC-BOB-01": dict(displayName="MAC-BOB-01", operatingSystem="macOS", operatingSystemVersion="14.6.1", trustType="Workplace",
                       isCompliant=True, isManaged=True, mdmAppId=INTUNE_APP_ID, manufacturer="Apple", model="MacBook Pro",
                       deviceOwnership="Company", enrollmentType="AppleBulkWithUser", managementType="MDM",
                       registrationDateTime="2024-05-06T11:11:11Z", approximateLastSignInDateTime="2025-01-08T12:00:00Z", **_ids(7)),
    "O'Brien's MacBook": dict(displayName="O'Brien's MacBook", operatingSystem="macOS", operatingSystemVersion="15.1",
                              trustType="Workplace", isCompliant=False, isManaged=False, manufacturer="Apple", model="MacBook Air",
                              deviceOwnership="Personal", registrationDateTime="2024-10-01T16:45:00Z",
                              approximateLastSignInDateTime="2025-01-07T21:10:00Z", **_ids(8)),
    "LNX-BUILD-01": dict(displayName="LNX-BUILD-01", operatingSystem="linux", operatingSystemVersion="Ubuntu 22.04.4 LTS",
                         trustType="Workplace", isCompliant=False, isManaged=False, manufacturer="QEMU", model="Standard PC",
                         deviceOwnership="Company", registrationDateTime="2024-07-19T08:30:00Z",
                         approximateLastSignInDateTime="2025-01-10T05:00:00Z", **_ids(9)),
    "IPH-ERIN-01": dict(displayName="IPH-ERIN-01", operatingSystem="iOS", operatingSystemVersion="17.5.1", trustType="Workplace",
                        isCompliant=True, isManaged=True, mdmAppId=INTUNE_APP_ID, manufacturer="Apple", model="iPhone 15",
                        deviceOwnership="Company", enrollmentType="AppleUserEnrollment", managementType="MDM",
                        registrationDateTime="2024-04-22T13:00:00Z", approximateLastSignInDateTime="2025-01-10T09:00:00Z", **_ids(10)),
    "AND-GRACE-01": dict(displayName="AND-GRACE-01", operatingSystem="Android", operatingSystemVersion="14.0", trustType="Workplace",
                         isCompliant=True, isManaged=True, mdmAppId=INTUNE_APP_ID, manufacturer="Google", model="Pixel 8",
                         deviceOwnership="Personal", enrollmentType="AndroidEnterpriseWorkProfile", managementType="MDM",
                         registrationDateTime="2024-02-14T10:30:00Z", approximateLastSignInDateTime="2025-01-09T20:00:00Z", **_ids(11)),
}

# key -> {"id", "deviceId", "displayName"}, for tests.
DEVICES = {key: {"id": props["id"], "deviceId": props["deviceId"], "displayName": props["displayName"]}
           for key, props in SEED_DEVICES.items()}
