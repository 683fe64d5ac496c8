# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
    On each Hyper-V host: whether it has the KB4338822 fix, and its live migrations' blackout
    times, as host.jsonl lines for blackout-analyze.

.DESCRIPTION
    Run elevated on every host of the cluster (or remotely, Invoke-Command). Writes one line
    {"type":"host", ...} with the host's build (CurrentBuild.UBR), its
    SendLmNetworkChangeIndication value and "fixed" (build 14393.2395 or later on Windows
    Server 2016's line, or a later line, and the value 0: both are needed, and a cumulative
    update supersedes KB4338822, so Get-HotFix cannot tell), then a {"type":"migration", ...}
    line per VMMS event 20415/20417 (the blackout time Hyper-V measured) with this host as
    "logged_by". Append the output of every host to one file and give it to blackout-analyze
    --host-events; migrations whose "to_host" names a host of that file get its fix state
    ("destination_fixed" in the records; compare --by fix).

.PARAMETER Since
    Only migration events after this time (default: the last 7 days).

.EXAMPLE
    .\Get-BlackoutHostFacts.ps1 | Out-File -Encoding utf8 -Append \\share\blackout\hosts.jsonl
#>
[CmdletBinding()]
param(
    [datetime]$Since = (Get-Date).AddDays(-7)
)

$ErrorActionPreference = 'Stop'
$hostName = [System.Net.Dns]::GetHostEntry('').HostName

$cv = Get-ItemProperty 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$build = "$($cv.CurrentBuild).$($cv.UBR)"
$send = $null
$vmsmp = 'HKLM:\SYSTEM\CurrentControlSet\Services\VmsMp\Parameters'
if (Test-Path $vmsmp) {
    $v = Get-ItemProperty $vmsmp -Name SendLmNetworkChangeIndication -ErrorAction SilentlyContinue
    if ($v) { $send = [int]$v.SendLmNetworkChangeIndication }
}
$major = [int]$cv.CurrentBuild
$buildOk = ($major -gt 14393) -or ($major -eq 14393 -and [int]$cv.UBR -ge 2395)
$fixed = $buildOk -and ($send -eq 0)

[ordered]@{
    type = 'host'
    host = $hostName
    build = $build
    send_lm_network_change_indication = $send
    fixed = $fixed
} | ConvertTo-Json -Compress

# The live migrations this host logged, with Hyper-V's blackout time (seconds, the second
# insertion string; a decimal comma where the locale has one).
$events = Get-WinEvent -FilterHashtable @{
    LogName = 'Microsoft-Windows-Hyper-V-VMMS-Admin'; Id = 20415, 20417; StartTime = $Since
} -ErrorAction SilentlyContinue
foreach ($e in $events) {
    $seconds = [double]::Parse(($e.Properties[1].Value -replace ',', '.'),
        [System.Globalization.CultureInfo]::InvariantCulture)
    $endNs = ([DateTimeOffset]$e.TimeCreated).ToUnixTimeMilliseconds() * 1000000
    [ordered]@{
        type = 'migration'
        source = 'hyperv'
        vm = [string]$e.Properties[0].Value
        mode = $(if ($e.Id -eq 20417) { 'unexpectedly-long' } else { '' })
        end_ns = $endNs
        downtime_ns = [int64]($seconds * 1e9)
        logged_by = $hostName
    } | ConvertTo-Json -Compress
}
