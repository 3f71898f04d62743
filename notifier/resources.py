"""The affected resource of a finding, as facts, for every resource type.

Facts come from whichever ``*Details`` blocks the finding's ``resource`` carries, the
block of its ``resourceType`` first, so a type GuardDuty adds later still shows what
it shares with the known ones, and a finding with several blocks (an EKS finding with
an access key) shows them all.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from notifier.facts import Fact, join
from notifier.finding import Finding
from notifier.jsonview import JsonView
from notifier.text import clean

Extractor = Callable[[JsonView], Iterator[Fact]]
Identify = Callable[[JsonView], "Criterion | None"]

VALUE_LIMIT = 512
MAX_VALUES = 5


def resource_facts(finding: Finding) -> list[Fact]:
    """What was affected, the block of the finding's resource type first."""
    resource = finding.view.at("resource")
    primary = _PRIMARY_BLOCKS.get(finding.resource_type or "", ())
    blocks = [*primary, *(name for name in _EXTRACTORS if name not in primary)]
    facts = [
        fact
        for name in blocks
        if resource.at(name)
        for fact in _EXTRACTORS[name](resource.at(name))
    ]
    facts.extend(_unknown_blocks(resource))
    facts.extend(
        _sequence_resources(finding.view.at("service", "detection", "sequence"))
    )
    return _unique(facts)


def _instance(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Instance", details.at("instanceId"), "dns")
    name = _tag(details.at("tags"), "Name")
    if name:
        yield Fact("Name tag", name, "sell")
    yield from _fact("Instance type", details.at("instanceType"), "memory")
    image = details.at("imageId").text()
    if image:
        about = details.at("imageDescription").text()
        yield Fact("Image", f"{image} ({about})" if about else image, "album")
    yield from _fact("State", details.at("instanceState"), "power_settings_new")
    yield from _fact(
        "Instance profile", details.at("iamInstanceProfile", "arn"), "badge"
    )
    interface = details.at("networkInterfaces", 0)
    yield from _fact("Public IP", interface.at("publicIp"), "public")
    yield from _fact("Private IP", interface.at("privateIpAddress"), "lan")
    yield from _fact("VPC", interface.at("vpcId"), "hub")


def _access_key(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Access key", details.at("accessKeyId"), "key")
    yield from _fact("Principal", details.at("principalId"), "badge")
    yield from _fact("User name", details.at("userName"), "person")
    yield from _fact("User type", details.at("userType"), "manage_accounts")


def _buckets(details: JsonView) -> Iterator[Fact]:
    buckets = list(details.items())
    names = [name for bucket in buckets if (name := bucket.at("name").text())]
    if names:
        yield Fact(
            "Bucket" if len(names) == 1 else "Buckets", join(names), "inventory_2"
        )
    access = [
        level
        for bucket in buckets
        if (level := bucket.at("publicAccess", "effectivePermission").text())
    ]
    if access:
        yield Fact("Public access", join(sorted(set(access))), "public")
    keys = [
        key
        for bucket in buckets
        for item in bucket.at("s3ObjectDetails").items()
        if (key := item.at("key").text())
    ]
    if keys:
        yield Fact("Objects", join(keys, 3), "description")


def _eks_cluster(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Cluster", details.at("name"), "hub")
    yield from _fact("Cluster status", details.at("status"), "monitor_heart")


def _kubernetes(details: JsonView) -> Iterator[Fact]:
    workload = details.at("kubernetesWorkloadDetails")
    yield from _fact("Namespace", workload.at("namespace"), "folder")
    kind, name = workload.at("type").text(), workload.at("name").text()
    if name:
        yield Fact("Workload", f"{kind} {name}" if kind else name, "deployed_code")
    yield from _images(workload.at("containers"))
    yield from _fact("Service account", workload.at("serviceAccountName"), "badge")
    user = details.at("kubernetesUserDetails")
    yield from _fact("Kubernetes user", user.at("username"), "person")
    yield from _fact(
        "Impersonated user", user.at("impersonatedUser", "username"), "person"
    )


def _ecs_cluster(details: JsonView) -> Iterator[Fact]:
    yield from _fact("ECS cluster", details.at("name"), "hub")
    task = details.at("taskDetails")
    yield from _fact("Task definition", task.at("definitionArn"), "assignment")
    yield from _fact("Launch type", task.at("launchType"), "rocket_launch")
    yield from _images(task.at("containers"))


def _container(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Container", details.at("name"), "deployed_code")
    yield from _fact("Container image", details.at("image"), "album")
    yield from _fact("Container runtime", details.at("containerRuntime"), "settings")
    if details.at("securityContext", "privileged").flag():
        yield Fact("Privileged", "yes", "warning")


def _lambda(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Function", details.at("functionName"), "function")
    yield from _fact("Function version", details.at("functionVersion"), "tag")
    yield from _fact("Execution role", details.at("role"), "badge")
    yield from _fact("VPC", details.at("vpcConfig", "vpcId"), "hub")


def _rds_instance(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Database", details.at("dbInstanceIdentifier"), "database")
    yield from _engine(details)
    yield from _fact("DB cluster", details.at("dbClusterIdentifier"), "hub")


def _rds_limitless(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Shard group", details.at("dbShardGroupIdentifier"), "database")
    yield from _engine(details)
    yield from _fact("DB cluster", details.at("dbClusterIdentifier"), "hub")


def _rds_user(details: JsonView) -> Iterator[Fact]:
    yield from _fact("Database user", details.at("user"), "person")
    yield from _fact("Database name", details.at("database"), "database")
    yield from _fact("Client application", details.at("application"), "apps")
    yield from _fact("Authentication", details.at("authMethod"), "lock")


def _ebs_volumes(details: JsonView) -> Iterator[Fact]:
    volumes = [
        volume
        for item in details.at("scannedVolumeDetails").items()
        if (volume := item.at("volumeArn").text() or item.at("deviceName").text())
    ]
    if volumes:
        yield Fact("Scanned volumes", join(volumes, 3), "storage")


def _arn_only(label: str, member: str, icon: str) -> Extractor:
    def extract(details: JsonView) -> Iterator[Fact]:
        yield from _fact(label, details.at(member), icon)

    return extract


_EXTRACTORS: dict[str, Extractor] = {
    "instanceDetails": _instance,
    "accessKeyDetails": _access_key,
    "s3BucketDetails": _buckets,
    "eksClusterDetails": _eks_cluster,
    "kubernetesDetails": _kubernetes,
    "ecsClusterDetails": _ecs_cluster,
    "containerDetails": _container,
    "lambdaDetails": _lambda,
    "rdsDbInstanceDetails": _rds_instance,
    "rdsLimitlessDbDetails": _rds_limitless,
    "rdsDbUserDetails": _rds_user,
    "ebsVolumeDetails": _ebs_volumes,
    "ebsSnapshotDetails": _arn_only("Snapshot", "snapshotArn", "photo_camera"),
    "ec2ImageDetails": _arn_only("Machine image", "imageArn", "album"),
    "recoveryPointDetails": _arn_only("Recovery point", "recoveryPointArn", "backup"),
}

_PRIMARY_BLOCKS: dict[str, tuple[str, ...]] = {
    "Instance": ("instanceDetails",),
    "AccessKey": ("accessKeyDetails",),
    "S3Bucket": ("s3BucketDetails",),
    "S3Object": ("s3BucketDetails",),
    "EKSCluster": ("eksClusterDetails", "kubernetesDetails"),
    "ECSCluster": ("ecsClusterDetails",),
    "Container": ("containerDetails",),
    "Lambda": ("lambdaDetails",),
    "RDSDBInstance": ("rdsDbInstanceDetails", "rdsDbUserDetails"),
    "RDSLimitlessDB": ("rdsLimitlessDbDetails", "rdsDbUserDetails"),
    "EBSVolume": ("ebsVolumeDetails", "instanceDetails"),
    "EBSSnapshot": ("ebsSnapshotDetails",),
    "EC2Image": ("ec2ImageDetails",),
    "RecoveryPoint": ("recoveryPointDetails",),
}

# Members that identify a resource in a details block the product does not know yet.
_GENERIC_MEMBERS = ("name", "arn", "id", "identifier", "type", "status")


def _unknown_blocks(resource: JsonView) -> Iterator[Fact]:
    for block in resource.members():
        if block in _EXTRACTORS or block == "resourceType":
            continue
        details = resource.at(block)
        label = _words(block.removesuffix("Details")) or "Resource"
        for member in _GENERIC_MEMBERS:
            value = details.at(member).text()
            if value:
                yield Fact(f"{label} {member}", value, "category")


def _sequence_resources(sequence: JsonView) -> Iterator[Fact]:
    names = [
        f"{kind} {name}" if kind else name
        for item in sequence.at("resources").items()
        if (name := item.at("name").text() or item.at("uid").text())
        for kind in [item.at("type").text()]
    ]
    if names:
        yield Fact("Resources in sequence", join(names, 4), "account_tree")
    actors = [
        name
        for item in sequence.at("actors").items()
        if (name := item.at("user", "name").text() or item.at("id").text())
    ]
    if actors:
        yield Fact("Actors", join(actors, 4), "person")


def _fact(label: str, value: JsonView, icon: str) -> Iterator[Fact]:
    text = value.text()
    if text:
        yield Fact(label, text, icon)


def _images(containers: JsonView) -> Iterator[Fact]:
    images = sorted(
        {image for item in containers.items() if (image := item.at("image").text())}
    )
    if images:
        yield Fact(
            "Container image" if len(images) == 1 else "Container images",
            join(images, 3),
            "album",
        )


def _engine(details: JsonView) -> Iterator[Fact]:
    engine, version = details.at("engine").text(), details.at("engineVersion").text()
    if engine:
        yield Fact("Engine", f"{engine} {version}" if version else engine, "settings")


def _tag(tags: JsonView, key: str) -> str | None:
    for tag in tags.items():
        if tag.at("key").text() == key:
            return tag.at("value").text()
    return None


def _words(camel: str) -> str:
    spaced = "".join(f" {char}" if char.isupper() else char for char in camel)
    return spaced.strip().capitalize()


def _unique(facts: list[Fact]) -> list[Fact]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for fact in facts:
        if (fact.label, fact.value) not in seen:
            seen.add((fact.label, fact.value))
            kept.append(fact)
    return kept


@dataclass(frozen=True)
class Criterion:
    """What identifies a finding's resource in GuardDuty's filter criteria.

    Attributes:
        field: a criterion CreateFilter accepts (resource.instanceDetails.instanceId).
        label: what it names, for people ("instance", "access key").
        values: the resource's identifiers (finding text: escape to show).
    """

    field: str
    label: str
    values: tuple[str, ...]


def identifying_criterion(finding: Finding) -> Criterion | None:
    """The criterion naming ``finding``'s resource, the block of its resource type
    first; None when nothing identifies one (an attack sequence, say)."""
    resource = finding.view.at("resource")
    order = _IDENTIFY_ORDER.get(finding.resource_type or "", ()) + _IDENTIFY_FALLBACK
    for identify in order:
        found = identify(resource)
        if found:
            return found
    return None


def _identifiers(*values: str | None) -> tuple[str, ...]:
    cleaned = (
        clean(value, limit=VALUE_LIMIT)[:VALUE_LIMIT] for value in values if value
    )
    return tuple(dict.fromkeys(value for value in cleaned if value))[:MAX_VALUES]


def _identify_by(block: str, member: str, label: str) -> Identify:
    """Identifies by ``resource.<block>.<member>``, a criterion CreateFilter takes."""

    def identify(resource: JsonView) -> Criterion | None:
        values = _identifiers(resource.at(block, member).text())
        return (
            Criterion(f"resource.{block}.{member}", label, values) if values else None
        )

    return identify


def _key_identity(resource: JsonView) -> Criterion | None:
    details = resource.at("accessKeyDetails")
    key = details.at("accessKeyId").text() or ""
    # A long-term key names the credential; temporary keys change every session,
    # so the user (or role) they belong to is what stays the same.
    if key.startswith("AKIA"):
        return Criterion(
            "resource.accessKeyDetails.accessKeyId", "access key", _identifiers(key)
        )
    user = _identifiers(details.at("userName").text())
    return (
        Criterion("resource.accessKeyDetails.userName", "user", user) if user else None
    )


def _bucket_identity(resource: JsonView) -> Criterion | None:
    names = _identifiers(
        *(bucket.at("name").text() for bucket in resource.at("s3BucketDetails").items())
    )
    if not names:
        return None
    label = "bucket" if len(names) == 1 else "buckets"
    return Criterion("resource.s3BucketDetails.name", label, names)


_INSTANCE = _identify_by("instanceDetails", "instanceId", "instance")
_EKS = _identify_by("eksClusterDetails", "name", "EKS cluster")
_ECS = _identify_by("ecsClusterDetails", "name", "ECS cluster")
_IMAGE = _identify_by("containerDetails", "image", "container image")
_LAMBDA = _identify_by("lambdaDetails", "functionArn", "Lambda function")
_RDS = _identify_by("rdsDbInstanceDetails", "dbInstanceIdentifier", "database")
_LIMITLESS = _identify_by(
    "rdsLimitlessDbDetails", "dbShardGroupIdentifier", "database shard group"
)

_IDENTIFY_ORDER: dict[str, tuple[Identify, ...]] = {
    "Instance": (_INSTANCE,),
    "AccessKey": (_key_identity,),
    "S3Bucket": (_bucket_identity,),
    "S3Object": (_bucket_identity,),
    "EKSCluster": (_EKS,),
    "ECSCluster": (_ECS,),
    "Container": (_IMAGE, _EKS),
    "Lambda": (_LAMBDA,),
    "RDSDBInstance": (_RDS,),
    "RDSLimitlessDB": (_LIMITLESS,),
    "EBSVolume": (_INSTANCE,),
}
_IDENTIFY_FALLBACK: tuple[Identify, ...] = (
    _INSTANCE,
    _key_identity,
    _bucket_identity,
    _EKS,
    _ECS,
    _IMAGE,
    _LAMBDA,
    _RDS,
    _LIMITLESS,
)
