# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
    Installs blackout-responder on a Windows guest as a service, with its firewall rules and
    its log; or removes it all again.

.DESCRIPTION
    Run elevated, from the folder the zip was unpacked into. Copies blackout-responder.exe and
    blackout-analyze.exe to -InstallDir, adds inbound allow rules (group "blackout") for ICMP
    echo, the STAMP port and the TCP listener (from -ProbeAddress only, when given), creates
    the service "blackout-responder" (automatic start, restarted on failure), starts it and
    shows the first line of its log: the start event with the checks the responder made (OS
    build, interface quarantine, firewall, Npcap).

.PARAMETER ProbeAddress
    The probe host's addresses: the only sources the firewall rules admit (default: any).

.PARAMETER Capture
    Record each probe's arrival at the NIC (needs Npcap): an address of the guest, a part of
    the adapter's description, or Npcap's \Device\NPF_{GUID}.

.PARAMETER Heartbeat
    A heartbeat datagram to this probe host every 10 ms.

.PARAMETER Uninstall
    Stops and deletes the service, removes the firewall rules of group "blackout" and the
    installed programs; the log stays.

.EXAMPLE
    .\Install-BlackoutResponder.ps1 -ProbeAddress 192.0.2.1 -Capture 192.0.2.10 -Heartbeat 192.0.2.1

.EXAMPLE
    .\Install-BlackoutResponder.ps1 -Uninstall
#>
[CmdletBinding(SupportsShouldProcess = $true)]
param(
    [string]$InstallDir = (Join-Path $env:ProgramFiles 'blackout'),
    [string]$LogPath = (Join-Path $env:ProgramData 'blackout\responder.jsonl'),
    [string[]]$ProbeAddress = @(),
    [string]$Capture = '',
    [string]$Heartbeat = '',
    [ValidateRange(1, 65535)][int]$StampPort = 862,
    [ValidateRange(1, 65535)][int]$TcpPort = 8620,
    [switch]$Uninstall
)

$ErrorActionPreference = 'Stop'
$ServiceName = 'blackout-responder'
$RuleGroup = 'blackout'

$principal = New-Object Security.Principal.WindowsPrincipal(
    [Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Run this from an elevated PowerShell (Run as administrator).'
}

function Remove-Blackout {
    $svc = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
    if ($svc) {
        if ($svc.Status -ne 'Stopped') { Stop-Service -Name $ServiceName -Force }
        & sc.exe delete $ServiceName | Out-Null
        Write-Host "service $ServiceName removed"
    }
    Get-NetFirewallRule -Group $RuleGroup -ErrorAction SilentlyContinue | Remove-NetFirewallRule
    Write-Host "firewall rules of group $RuleGroup removed"
    foreach ($exe in 'blackout-responder.exe', 'blackout-analyze.exe') {
        $path = Join-Path $InstallDir $exe
        if (Test-Path $path) { Remove-Item -Path $path -Force }
    }
    Write-Host "programs removed from $InstallDir (the log $LogPath stays)"
}

if ($Uninstall) {
    Remove-Blackout
    return
}

$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$responder = Join-Path $here 'blackout-responder.exe'
if (-not (Test-Path $responder)) {
    throw "blackout-responder.exe is not beside this script ($here): unpack the whole zip."
}

# A service of an earlier install is replaced.
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) { Remove-Blackout }

New-Item -ItemType Directory -Force -Path $InstallDir | Out-Null
New-Item -ItemType Directory -Force -Path (Split-Path -Parent $LogPath) | Out-Null
foreach ($exe in 'blackout-responder.exe', 'blackout-analyze.exe') {
    $src = Join-Path $here $exe
    if (Test-Path $src) { Copy-Item -Path $src -Destination $InstallDir -Force }
}

# Inbound rules: ICMP echo, the STAMP port, the TCP listener.
$remote = if ($ProbeAddress.Count) { $ProbeAddress } else { @('Any') }
$rules = @(
    @{ DisplayName = 'blackout ICMPv4 echo'; Protocol = 'ICMPv4'; IcmpType = '8' },
    @{ DisplayName = 'blackout ICMPv6 echo'; Protocol = 'ICMPv6'; IcmpType = '128' },
    @{ DisplayName = 'blackout STAMP'; Protocol = 'UDP'; LocalPort = "$StampPort" },
    @{ DisplayName = 'blackout TCP'; Protocol = 'TCP'; LocalPort = "$TcpPort" }
)
foreach ($r in $rules) {
    New-NetFirewallRule -Group $RuleGroup -Direction Inbound -Action Allow -Profile Any `
        -RemoteAddress $remote @r | Out-Null
    Write-Host "firewall: $($r.DisplayName) allowed from $($remote -join ', ')"
}

# The service: its command line, automatic start, restarted after a failure.
$exePath = Join-Path $InstallDir 'blackout-responder.exe'
$cmd = "`"$exePath`" --service --port $StampPort --tcp-port $TcpPort --log `"$LogPath`""
if ($Capture) { $cmd += " --capture `"$Capture`"" }
if ($Heartbeat) { $cmd += " --heartbeat $Heartbeat" }
New-Service -Name $ServiceName -BinaryPathName $cmd -StartupType Automatic `
    -DisplayName 'blackout responder' `
    -Description 'STAMP reflector, TCP echo and guest network events for blackout-probe' | Out-Null
& sc.exe failure $ServiceName reset= 86400 actions= restart/2000/restart/2000/restart/10000 | Out-Null
Start-Service -Name $ServiceName
Write-Host "service $ServiceName started: $cmd"

# Its start event: what it found (OS build, quarantine, firewall, Npcap).
for ($i = 0; $i -lt 20 -and -not (Test-Path $LogPath); $i++) { Start-Sleep -Milliseconds 250 }
if (Test-Path $LogPath) {
    Get-Content -Path $LogPath -TotalCount 1
} else {
    Write-Warning "no log at $LogPath yet: see Get-EventLog -LogName System -Source 'Service Control Manager'"
}
