"""Issue 12, item 8: a keyless certificate chain means what it says.

Certificates are made here with ``cryptography``: a root, an intermediate and a Fulcio-like
leaf (code signing, an e-mail SAN). The chain is checked by
``cryptography.x509.verification`` at the signing time: a leaf issued by a certificate
that is no CA, a leaf that is not for code signing, an intermediate that expired, and a
leaf outside its validity when it signed are all refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gitops_guard.supply import signatures as sig

SIGNED = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def issue(
    common: str,
    issuer: Issued | None,
    *,
    ca: bool,
    path_length: int | None = None,
    not_before: datetime.datetime = SIGNED - 365 * DAY,
    not_after: datetime.datetime = SIGNED + 365 * DAY,
    usage: list[x509.ObjectIdentifier] | None = None,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    signer_key = issuer.key if issuer else key
    signer_name = issuer.cert.subject if issuer else _name(common)
    builder = (
        x509.CertificateBuilder()
        # A Fulcio leaf has no subject, only a critical subject alternative name.
        .subject_name(_name(common) if ca else x509.Name([]))
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), False
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name("release@example.com")]), critical=True
        )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usage), critical=False)
    cert = builder.sign(signer_key, hashes.SHA256())
    return Issued(cert, key)


def trusted(*certs: x509.Certificate) -> sig.TrustRoot:
    return sig.TrustRoot("the test root", b"{}", {}, certs)


CODE_SIGNING = [ExtendedKeyUsageOID.CODE_SIGNING]


@pytest.fixture(scope="module")
def root() -> Issued:
    return issue("root", None, ca=True, path_length=1)


@pytest.fixture(scope="module")
def intermediate(root: Issued) -> Issued:
    return issue("intermediate", root, ca=True, path_length=0)


def test_a_proper_chain_verifies(root: Issued, intermediate: Issued) -> None:
    leaf = issue("leaf", intermediate, ca=False, usage=CODE_SIGNING)
    sig.verify_chain(leaf.cert, [], trusted(intermediate.cert, root.cert), SIGNED)
    # The intermediate may come with the signature instead of the trusted root.
    sig.verify_chain(leaf.cert, [intermediate.cert], trusted(root.cert), SIGNED)


def test_a_leaf_issued_by_a_certificate_that_is_no_ca(root: Issued) -> None:
    # Names and signatures match all the way up: only BasicConstraints tell.
    impostor = issue("intermediate", root, ca=False, usage=CODE_SIGNING)
    leaf = issue("leaf", impostor, ca=False, usage=CODE_SIGNING)
    with pytest.raises(sig.SignatureInvalid, match="does not chain"):
        sig.verify_chain(leaf.cert, [impostor.cert], trusted(root.cert), SIGNED)


def test_a_leaf_that_is_not_for_code_signing(root: Issued, intermediate: Issued) -> None:
    leaf = issue("leaf", intermediate, ca=False, usage=[ExtendedKeyUsageOID.SERVER_AUTH])
    with pytest.raises(sig.SignatureInvalid, match="code signing"):
        sig.verify_chain(leaf.cert, [], trusted(intermediate.cert, root.cert), SIGNED)


def test_a_leaf_without_extended_key_usage(root: Issued, intermediate: Issued) -> None:
    leaf = issue("leaf", intermediate, ca=False, usage=None)
    with pytest.raises(sig.SignatureInvalid, match="extended key usage"):
        sig.verify_chain(leaf.cert, [], trusted(intermediate.cert, root.cert), SIGNED)


def test_an_intermediate_that_expired_before_the_signature(root: Issued) -> None:
    expired = issue(
        "intermediate",
        root,
        ca=True,
        path_length=0,
        not_before=SIGNED - 100 * DAY,
        not_after=SIGNED - DAY,
    )
    leaf = issue("leaf", expired, ca=False, usage=CODE_SIGNING, not_before=SIGNED - 2 * DAY)
    with pytest.raises(sig.SignatureInvalid, match="does not chain"):
        sig.verify_chain(leaf.cert, [expired.cert], trusted(root.cert), SIGNED)


def test_a_leaf_outside_its_validity_when_it_signed(root: Issued, intermediate: Issued) -> None:
    # Fulcio certificates live ten minutes; this one had expired an hour before.
    leaf = issue(
        "leaf",
        intermediate,
        ca=False,
        usage=CODE_SIGNING,
        not_before=SIGNED - datetime.timedelta(hours=1, minutes=10),
        not_after=SIGNED - datetime.timedelta(hours=1),
    )
    with pytest.raises(sig.SignatureInvalid, match="does not chain"):
        sig.verify_chain(leaf.cert, [], trusted(intermediate.cert, root.cert), SIGNED)
    sig.verify_chain(
        leaf.cert,
        [],
        trusted(intermediate.cert, root.cert),
        SIGNED - datetime.timedelta(hours=1, minutes=5),
    )


def test_a_path_longer_than_the_root_allows(root: Issued, intermediate: Issued) -> None:
    # The intermediate allows no CA below it (path length 0).
    deeper = issue("deeper", intermediate, ca=True, path_length=None)
    leaf = issue("leaf", deeper, ca=False, usage=CODE_SIGNING)
    with pytest.raises(sig.SignatureInvalid, match="does not chain"):
        sig.verify_chain(leaf.cert, [deeper.cert], trusted(intermediate.cert, root.cert), SIGNED)


def test_an_intermediate_alone_is_no_anchor(intermediate: Issued) -> None:
    leaf = issue("leaf", intermediate, ca=False, usage=CODE_SIGNING)
    with pytest.raises(sig.SignatureInvalid, match="does not chain"):
        sig.verify_chain(leaf.cert, [], trusted(intermediate.cert), SIGNED)
