"""What happened in a finding, as facts: who connected from where, what was called,
which domain was asked for, which ports were probed, which process ran."""

from collections.abc import Iterator

from notifier.facts import Fact, join
from notifier.finding import Finding
from notifier.jsonview import JsonView

_ACTION_NAMES = {
    "NETWORK_CONNECTION": "Network connection",
    "AWS_API_CALL": "AWS API call",
    "DNS_REQUEST": "DNS request",
    "PORT_PROBE": "Port probe",
    "KUBERNETES_API_CALL": "Kubernetes API call",
    "RDS_LOGIN_ATTEMPT": "Database login attempt",
    "KUBERNETES_PERMISSION_CHECKED": "Kubernetes permission check",
    "KUBERNETES_ROLE_BINDING": "Kubernetes role binding",
    "KUBERNETES_ROLE": "Kubernetes role",
}


def activity_facts(finding: Finding) -> list[Fact]:
    """The activity GuardDuty saw, most telling first; empty when it recorded none."""
    service = finding.view.at("service")
    action = service.at("action")
    facts = list(_action_type(action))
    facts += _network(action.at("networkConnectionAction"))
    facts += _api_call(action.at("awsApiCallAction"))
    facts += _dns(action.at("dnsRequestAction"))
    facts += _port_probe(action.at("portProbeAction"))
    facts += _kubernetes_call(action.at("kubernetesApiCallAction"))
    facts += _rds_login(action.at("rdsLoginAttemptAction"))
    facts += _runtime(service.at("runtimeDetails"))
    facts += _malware(
        service.at("ebsVolumeScanDetails"), service.at("malwareScanDetails")
    )
    facts += _sequence(service.at("detection", "sequence"))
    facts += _threat_intelligence(service.at("evidence"), finding.additional_info)
    return facts


def _action_type(action: JsonView) -> Iterator[Fact]:
    kind = action.at("actionType").text()
    if kind:
        yield _activity("Activity", _ACTION_NAMES.get(kind, kind), "bolt")


def _network(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    direction = action.at("connectionDirection").text()
    protocol = action.at("protocol").text()
    summary = " ".join(
        part for part in (direction and direction.capitalize(), protocol) if part
    )
    if summary:
        yield _activity("Connection", summary, "swap_horiz")
    yield from _remote(action.at("remoteIpDetails"))
    yield from _port("Remote port", action.at("remotePortDetails"))
    yield from _port("Local port", action.at("localPortDetails"))
    yield from _blocked(action)


def _api_call(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    api, service = action.at("api").text(), action.at("serviceName").text()
    if api:
        yield _activity("API call", f"{service}: {api}" if service else api, "api")
    yield from _text("Caller type", action.at("callerType"), "person_search")
    yield from _remote(action.at("remoteIpDetails"))
    yield from _text(
        "Remote account", action.at("remoteAccountDetails", "accountId"), "account_box"
    )
    yield from _text("Domain", action.at("domainDetails", "domain"), "language")
    yield from _text("User agent", action.at("userAgent"), "web")
    yield from _text("Error", action.at("errorCode"), "error_outline")


def _dns(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    yield from _text("Domain", action.at("domain"), "language")
    yield from _text("Protocol", action.at("protocol"), "swap_horiz")
    yield from _blocked(action)


def _port_probe(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    ports: list[str] = []
    sources: list[JsonView] = []
    for probe in action.at("portProbeDetails").items():
        port = probe.at("localPortDetails")
        number, name = port.at("port").text(), port.at("portName").text()
        if number:
            label = f"{number} ({name})" if name and name != "Unknown" else number
            if label not in ports:
                ports.append(label)
        sources.append(probe.at("remoteIpDetails"))
    if ports:
        yield _activity("Probed ports", join(ports, 6), "lan")
    if sources:
        yield from _remote(sources[0])
    addresses = {address for source in sources if (address := _address(source))}
    if len(addresses) > 1:
        yield _activity("Probing IPs", f"{len(addresses)} addresses", "travel_explore")
    yield from _blocked(action)


def _kubernetes_call(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    verb, uri = action.at("verb").text(), action.at("requestUri").text()
    if verb or uri:
        request = " ".join(part for part in (verb, uri) if part)
        yield _activity("Kubernetes request", request, "api")
    yield from _text("Status code", action.at("statusCode"), "tag")
    yield from _remote(action.at("remoteIpDetails"))
    yield from _text("User agent", action.at("userAgent"), "web")


def _rds_login(action: JsonView) -> Iterator[Fact]:
    if not action:
        return
    yield from _remote(action.at("remoteIpDetails"))
    # The model spells this member with a capital L: it has no wire name of its own.
    attempts = action.at("LoginAttributes")
    successes = sum(
        int(item.at("successfulLoginAttempts").number() or 0)
        for item in attempts.items()
    )
    failures = sum(
        int(item.at("failedLoginAttempts").number() or 0) for item in attempts.items()
    )
    if successes or failures:
        yield _activity("Logins", f"{successes} succeeded, {failures} failed", "login")


def _runtime(details: JsonView) -> Iterator[Fact]:
    process = details.at("process")
    name, path = process.at("name").text(), process.at("executablePath").text()
    if name or path:
        yield _activity(
            "Process",
            " ".join(p for p in (name, path and f"({path})") if p),
            "terminal",
        )
    yield from _text("Process user", process.at("user"), "person")
    yield from _text(
        "Executable SHA-256", process.at("executableSha256"), "fingerprint"
    )
    context = details.at("context")
    for member, label in (
        ("commandLineExample", "Command line"),
        ("scriptPath", "Script"),
        ("threatFilePath", "Threat file"),
        ("socketPath", "Socket"),
        ("toolName", "Tool"),
    ):
        yield from _text(label, context.at(member), "code")


def _malware(ebs_scan: JsonView, scan: JsonView) -> Iterator[Fact]:
    names = [
        name
        for threat in ebs_scan.at(
            "scanDetections", "threatDetectedByName", "threatNames"
        ).items()
        if (name := threat.at("name").text())
    ]
    names += [
        name
        for threat in scan.at("threats").items()
        if (name := threat.at("name").text())
    ]
    if names:
        yield _activity("Malware", join(sorted(set(names)), 4), "coronavirus")
    files = [
        path
        for threat in ebs_scan.at(
            "scanDetections", "threatDetectedByName", "threatNames"
        ).items()
        for item in threat.at("filePaths").items()
        if (path := item.at("filePath").text())
    ]
    if files:
        yield _activity("Infected files", join(files, 3), "description")


def _sequence(sequence: JsonView) -> Iterator[Fact]:
    if not sequence:
        return
    yield from _text("Attack sequence", sequence.at("description"), "timeline")
    signals = list(sequence.at("signals").items())
    if signals:
        yield _activity("Signals", f"{len(signals)} correlated signals", "hub")
    tactics = [
        value
        for indicator in sequence.at("sequenceIndicators").items()
        if indicator.at("key").text() == "ATTACK_TACTIC"
        for value in indicator.at("values").texts()
    ]
    if tactics:
        yield _activity("Tactics", join(tactics, 6), "flag")


def _threat_intelligence(evidence: JsonView, info: JsonView) -> Iterator[Fact]:
    names: list[str] = []
    lists: list[str] = []
    for detail in evidence.at("threatIntelligenceDetails").items():
        names += detail.at("threatNames").texts()
        if listed := detail.at("threatListName").text():
            lists.append(listed)
    if not lists and (listed := info.at("threatListName").text()):
        lists.append(listed)
    if names:
        yield _activity("Threat", join(sorted(set(names)), 3), "gpp_bad")
    if lists:
        yield _activity("Threat list", join(sorted(set(lists)), 3), "list")


def _remote(details: JsonView) -> Iterator[Fact]:
    address = _address(details)
    if not address:
        return
    yield _activity("Remote IP", address, "public")
    country = details.at("country", "countryName").text()
    city = details.at("city", "cityName").text()
    place = ", ".join(part for part in (city, country) if part)
    if place:
        yield _activity("Location", place, "location_on")
    organisation = details.at("organization")
    owner = organisation.at("asnOrg").text() or organisation.at("org").text()
    asn = organisation.at("asn").text()
    if owner:
        number = f" (AS{asn})" if asn and asn not in ("-1", "0") else ""
        yield _activity("Organisation", f"{owner}{number}", "business")


def _address(details: JsonView) -> str | None:
    return details.at("ipAddressV4").text() or details.at("ipAddressV6").text()


def _port(label: str, details: JsonView) -> Iterator[Fact]:
    number, name = details.at("port").text(), details.at("portName").text()
    if number:
        text = f"{number} ({name})" if name and name != "Unknown" else number
        yield _activity(label, text, "settings_ethernet")


def _blocked(action: JsonView) -> Iterator[Fact]:
    if action.at("blocked").flag():
        yield _activity("Blocked", "yes", "block")


def _text(label: str, value: JsonView, icon: str) -> Iterator[Fact]:
    text = value.text()
    if text:
        yield _activity(label, text, icon)


def _activity(label: str, value: str, icon: str) -> Fact:
    return Fact(label, value, icon, group="activity")
