"""What the client side of a call looks like: userAgent, source IP and tlsDetails (§1.1, §1.2).

Client versions are picked among releases that predate the event (rule 34), and the userAgent
layout follows the client's era: botocore's ``ua/2.0`` layout from 2023, ``ua/2.1`` from late
2024; the CLI v2 ``md/command#iam.create-access-key`` marker (rule 35).
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")

# (first year-month the version is assumed available, version).  Conservative: each date is at or
# after the real release, so a picked version never postdates the event.
_CLI_V2: tuple[tuple[tuple[int, int], str], ...] = (
    ((2020, 6), "2.0.24"),
    ((2021, 6), "2.2.10"),
    ((2022, 3), "2.4.29"),
    ((2023, 1), "2.9.15"),
    ((2023, 8), "2.13.9"),
    ((2024, 1), "2.15.10"),
    ((2024, 7), "2.17.13"),
    ((2024, 12), "2.22.18"),
    ((2025, 3), "2.25.2"),
    ((2025, 6), "2.27.31"),
    ((2025, 10), "2.31.13"),
)
_CLI_V1: tuple[tuple[tuple[int, int], str], ...] = (
    ((2017, 1), "1.11.44"),
    ((2018, 1), "1.14.32"),
    ((2019, 2), "1.16.96"),
    ((2020, 3), "1.18.21"),
)
_BOTO3: tuple[tuple[tuple[int, int], tuple[str, str]], ...] = (
    ((2017, 1), ("1.4.4", "1.5.1")),
    ((2018, 7), ("1.7.44", "1.10.44")),
    ((2019, 6), ("1.9.160", "1.12.160")),
    ((2020, 6), ("1.13.26", "1.16.26")),
    ((2021, 6), ("1.17.97", "1.20.97")),
    ((2022, 6), ("1.24.10", "1.27.10")),
    ((2023, 6), ("1.26.160", "1.29.160")),
    ((2024, 1), ("1.34.19", "1.34.19")),
    ((2024, 8), ("1.34.150", "1.34.150")),
    ((2025, 2), ("1.36.20", "1.36.20")),
    ((2025, 9), ("1.40.30", "1.40.30")),
)
_TERRAFORM: tuple[tuple[tuple[int, int], tuple[str, str, tuple[str, str] | None]], ...] = (
    ((2017, 1), ("0.11.1", "1.6.0", None)),
    ((2019, 6), ("0.12.2", "2.15.0", None)),
    ((2020, 6), ("0.12.26", "2.66.0", None)),
    ((2021, 6), ("1.0.1", "3.47.0", None)),
    ((2022, 6), ("1.2.3", "4.19.0", None)),
    ((2023, 9), ("1.5.7", "5.16.0", ("1.21.0", "1.23.3"))),
    ((2024, 9), ("1.9.5", "5.67.0", ("1.30.5", "1.36.1"))),
    ((2025, 10), ("1.13.3", "6.14.1", ("1.39.0", "1.47.5"))),
)
_KERNELS: tuple[tuple[tuple[int, int], str], ...] = (
    ((2019, 1), "4.15.0-1044-aws"),
    ((2020, 6), "5.4.0-1045-aws"),
    ((2021, 6), "5.4.0-1051-aws"),
    ((2022, 6), "5.15.0-1011-aws"),
    ((2023, 6), "6.2.0-1017-aws"),
    ((2024, 1), "6.5.0-1014-aws"),
    ((2024, 8), "6.8.0-1021-aws"),
    ((2025, 3), "6.11.0-19-generic"),
)
_PYTHONS: tuple[tuple[tuple[int, int], str], ...] = (
    ((2023, 1), "3.11.1"),
    ((2023, 7), "3.11.4"),
    ((2024, 3), "3.11.8"),
    ((2024, 10), "3.12.6"),
    ((2025, 3), "3.12.9"),
)
_AWSCRT: tuple[tuple[tuple[int, int], str], ...] = (
    ((2023, 1), "0.16.9"),
    ((2024, 1), "0.19.18"),
    ((2025, 1), "0.23.8"),
)

# Public, routable first octets (cloud providers, ISPs); never private, loopback, multicast or the
# RFC 5737 documentation ranges (rule 36).
_PUBLIC_FIRST_OCTETS = (
    3,
    13,
    18,
    34,
    35,
    44,
    52,
    54,
    62,
    78,
    81,
    82,
    86,
    91,
    94,
    109,
    145,
    146,
    151,
    176,
    185,
    188,
    212,
    213,
    217,
)

TLS13_SUITES = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")
TLS12_SUITES = ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA")


def _latest(
    table: tuple[tuple[tuple[int, int], T], ...], moment: datetime, rng: random.Random
) -> T:
    """One of the two newest entries released by ``moment`` (the first entry if none)."""
    candidates: tuple[T, ...] = _available(table, moment.year, moment.month)
    return candidates[0] if len(candidates) == 1 else candidates[rng.getrandbits(1)]


@functools.lru_cache(maxsize=1024)
def _available(
    table: tuple[tuple[tuple[int, int], T], ...], year: int, month: int
) -> tuple[T, ...]:
    available = [value for since, value in table if since <= (year, month)] or [table[0][1]]
    return tuple(available[-2:])


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """``rng.choice(options)``, cheaper: 32 random bits scaled to the length (bias < 1e-8)."""
    return options[(rng.getrandbits(32) * len(options)) >> 32]


def public_ip(rng: random.Random) -> str:
    """A public IPv4 address, dotted quad without leading zeros."""
    bits = rng.getrandbits(32)
    first = _PUBLIC_FIRST_OCTETS[(bits >> 24) * len(_PUBLIC_FIRST_OCTETS) >> 8]
    return f"{first}.{(bits >> 16) & 255}.{(bits >> 8) & 255}.{1 + (bits & 255) * 254 // 256}"


def tls_details(rng: random.Random, moment: datetime, host: str) -> dict[str, str]:
    """tlsDetails with a consistent protocol/suite pair (rule 32); TLS 1.3 dominates from 2023."""
    if moment.year >= 2023 and rng.getrandbits(8) < 218:  # about 85 %
        version, suite = "TLSv1.3", pick(rng, TLS13_SUITES)
    else:
        version, suite = "TLSv1.2", pick(rng, TLS12_SUITES)
    return {"tlsVersion": version, "cipherSuite": suite, "clientProvidedHostHeader": host}


def cli_user_agent(rng: random.Random, moment: datetime, command: str) -> str:
    """The AWS CLI's userAgent for ``command`` (e.g. ``iam.create-access-key``) at ``moment``."""
    return pick(rng, _cli_agents(moment.year, moment.month, command))


@functools.lru_cache(maxsize=1024)
def _cli_agents(year: int, month: int, command: str) -> tuple[str, ...]:
    """Every CLI userAgent plausible in that month (versions x kernels x ...), built once."""
    if (year, month) < (2020, 6):
        agents = []
        for version in _available(_CLI_V1, year, month):
            if version in ("1.11.44", "1.14.32"):
                botocore = "1.5.7" if version == "1.11.44" else "1.8.36"
                agents.append(
                    f"aws-cli/{version} Python/2.7.12 Linux/4.4.0-1063-aws botocore/{botocore}"
                )
            else:
                botocore = {"1.16.96": "1.12.86", "1.18.21": "1.15.21"}[version]
                agents.append(f"aws-cli/{version} Python/3.6.0 Windows/10 botocore/{botocore}")
        return tuple(agents)
    if year < 2023:
        return tuple(
            f"aws-cli/{version} Python/3.8.8 Linux/{kernel} exe/x86_64.ubuntu.20 "
            f"prompt/off command/{command}"
            for version in _available(_CLI_V2, year, month)
            for kernel in _available(_KERNELS, year, month)
        )
    ua = "2.1" if (year, month) >= (2024, 11) else "2.0"
    return tuple(
        f"aws-cli/{version} md/awscrt#{crt} ua/{ua} os/linux#{kernel} "
        f"md/arch#x86_64 lang/python#{python} md/pyimpl#CPython "
        f"cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 md/prompt#off "
        f"md/command#{command}"
        for version in _available(_CLI_V2, year, month)
        for kernel in _available(_KERNELS, year, month)
        for crt in _available(_AWSCRT, year, month)
        for python in _available(_PYTHONS, year, month)
    )


def boto3_user_agent(rng: random.Random, moment: datetime, lambda_env: bool = False) -> str:
    """boto3's userAgent at ``moment``: the classic layout, or botocore's ua/2.x from 2023."""
    boto3, botocore = _latest(_BOTO3, moment, rng)
    if moment.year < 2020:
        return f"Boto3/{boto3} Python/2.7.12 Linux/4.4.0-1063-aws Botocore/{botocore}"  # [BOTS]
    if moment.year < 2023:
        kernel = _latest(_KERNELS, moment, rng)
        return f"Boto3/{boto3} Python/3.8.10 Linux/{kernel} Botocore/{botocore}"
    ua = "2.1" if (moment.year, moment.month) >= (2024, 11) else "2.0"
    env = " exec-env/AWS_Lambda_python3.11" if lambda_env else ""
    return (
        f"Boto3/{boto3} md/Botocore#{botocore} ua/{ua} os/linux#{_latest(_KERNELS, moment, rng)} "
        f"md/arch#x86_64 lang/python#{_latest(_PYTHONS, moment, rng)} md/pyimpl#CPython{env} "
        f"cfg/retry-mode#legacy Botocore/{botocore}"
    )


def terraform_user_agent(rng: random.Random, moment: datetime) -> str:
    """Terraform's AWS provider: aws-sdk-go v1 layout up to provider 4.x, SDK v2 after [TF]."""
    core, provider, sdk2 = _latest(_TERRAFORM, moment, rng)
    head = (
        f"APN/1.0 HashiCorp/1.0 Terraform/{core} (+https://www.terraform.io) "
        f"terraform-provider-aws/{provider} (+https://registry.terraform.io/providers/hashicorp/aws)"
    )
    if sdk2 is None:
        sdk1 = "1.44.40 (go1.18.3" if moment.year >= 2022 else "1.38.60 (go1.16.4"
        if moment.year < 2021:
            sdk1 = "1.29.40 (go1.13.12"
        return f"{head} aws-sdk-go/{sdk1}; linux; amd64)"
    sdk, api = sdk2
    if moment.year < 2025:  # the ua/2.1 metadata layout arrived with late-2024 SDK releases
        return f"{head} aws-sdk-go-v2/{sdk} os/linux lang/go#1.22.7 md/GOOS#linux md/GOARCH#amd64 api/iam#{api}"
    return (
        f"{head} aws-sdk-go-v2/{sdk} ua/2.1 os/linux lang/go#1.24.6 md/GOOS#linux "
        f"md/GOARCH#amd64 api/iam#{api} m/i"
    )


def go_sdk_user_agent(rng: random.Random, moment: datetime, api: str = "iam") -> str:
    """aws-sdk-go-v2: the 2022 layout with ``/`` separators until 2024, ``#`` after [PAN][STR]."""
    if moment.year < 2024:
        return (
            f"aws-sdk-go-v2/1.14.0 os/linux lang/go/1.17.6 md/GOOS/linux "
            f"md/GOARCH/amd64 api/{api}/1.17.0"
        )
    return (
        f"aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 md/GOOS#linux md/GOARCH#amd64 "
        f"api/{api}#1.26.2"
    )


def _since_index() -> dict[str, tuple[int, int]]:
    index: dict[str, tuple[int, int]] = {}
    for since, version in (*_CLI_V2, *_CLI_V1, *_KERNELS, *_PYTHONS, *_AWSCRT):
        index.setdefault(version, since)
    for since, (boto3, _) in _BOTO3:
        index.setdefault(f"Boto3/{boto3}", since)
    for since, (core, provider, _) in _TERRAFORM:
        index.setdefault(f"Terraform/{core}", since)
        index.setdefault(f"terraform-provider-aws/{provider}", since)
    return index


_SINCE = _since_index()
_UA_TOKEN_RE = re.compile(
    r"(?:aws-cli/|Linux/|os/linux#|lang/python#|md/awscrt#)([\w.-]+)|"
    r"((?:Boto3|Terraform|terraform-provider-aws)/[\w.]+)"
)


def anachronisms(user_agent: str, moment: datetime) -> list[str]:
    """Client versions in ``user_agent`` that trailsim knows were released after ``moment``."""
    found = []
    for match in _UA_TOKEN_RE.finditer(user_agent):
        token = match.group(1) or match.group(2)
        since = _SINCE.get(token)
        if since is not None and since > (moment.year, moment.month):
            found.append(f"{token} (available from {since[0]}-{since[1]:02d})")
    if " ua/2.1 " in user_agent and (moment.year, moment.month) < (2024, 11):
        found.append("ua/2.1 (botocore layout from late 2024)")
    return found
