"""Throw-away PKI for the emulator: a CA, a TLS server certificate and client certificates for apps."""

import datetime
import hashlib
import ipaddress
import os
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY = datetime.timedelta(days=825)


def _write_atomic(path, data, mode=0o600):
    """Write via rename so a concurrent reader never sees a half-written PEM."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Entra emulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _key_pem(key, password=None):
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _builder(subject, issuer, public_key, now):
    return (x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + _VALIDITY))


class CertificateAuthority:
    """A CA kept in the work directory, reused across runs so a trusted ca.pem stays valid."""

    def __init__(self, workdir):
        self.cert_path = os.path.join(workdir, "ca.pem")
        self.key_path = os.path.join(workdir, "ca.key")
        try:
            with open(self.key_path, "rb") as handle:
                self.key = serialization.load_pem_private_key(handle.read(), None)
            with open(self.cert_path, "rb") as handle:
                self.cert = x509.load_pem_x509_certificate(handle.read())
            if self.cert.not_valid_after_utc < datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1):
                raise ValueError("CA about to expire")
        except (OSError, ValueError):
            self._create()

    def _create(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = _name("Entra emulator test CA")
        self.cert = (_builder(name, name, self.key.public_key(), now)
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                     .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                     .sign(self.key, hashes.SHA256()))
        _write_atomic(self.key_path, _key_pem(self.key))
        _write_atomic(self.cert_path, _cert_pem(self.cert), 0o644)

    def issue_server_certificate(self, cert_path, key_path, hosts):
        """Issue a TLS server certificate for the given host names and IP addresses."""
        now = datetime.datetime.now(datetime.timezone.utc)
        key = ec.generate_private_key(ec.SECP256R1())
        names = []
        for host in dict.fromkeys(hosts):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (_builder(_name(hosts[0]), self.cert.subject, key.public_key(), now)
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False)
                .sign(self.key, hashes.SHA256()))
        _write_atomic(key_path, _key_pem(key))
        _write_atomic(cert_path, _cert_pem(cert), 0o644)


class ClientCertificate:
    """An app's RSA credential certificate, with an unencrypted and a password-protected PEM bundle."""

    def __init__(self, workdir, app_name):
        self.path = os.path.join(workdir, "app-%s.pem" % app_name)
        self.encrypted_path = os.path.join(workdir, "app-%s-encrypted.pem" % app_name)
        try:
            with open(self.path, "rb") as handle:
                data = handle.read()
            self.key = serialization.load_pem_private_key(data, None)
            self.cert = x509.load_pem_x509_certificate(data)
        except (OSError, ValueError):
            self._create(app_name)
        # Derived from the key, so emulators sharing a work directory agree on it.
        key_der = self.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        self.password = hashlib.sha256(b"entra-emulator-passphrase" + key_der).hexdigest()[:24]
        _write_atomic(self.encrypted_path, _key_pem(self.key, self.password) + _cert_pem(self.cert))

    def _create(self, app_name):
        now = datetime.datetime.now(datetime.timezone.utc)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.cert = (_builder(_name(app_name), _name(app_name), self.key.public_key(), now)
                     .sign(self.key, hashes.SHA256()))
        _write_atomic(self.path, _key_pem(self.key) + _cert_pem(self.cert))

    @property
    def sha1_thumbprint(self):
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()  # nosec - x5t is defined as SHA-1

    @property
    def sha256_thumbprint(self):
        return self.cert.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def public_key(self):
        return self.cert.public_key()
