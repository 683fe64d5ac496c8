# SPDX-License-Identifier: Apache-2.0
<#
.SYNOPSIS
    Installs blackout-responder on a Windows guest as a service, with its firewall rules and
    its log; or removes it all again.

.DESCRIPTION
    Run elevated, from the folder the zip was unpacked into. Copies blackout-responder.exe and
    blackout-analyze.exe to -InstallDir, makes the event channel's key (-KeyPath: 32 random
    bytes in hex, readable by SYSTEM and Administrators alone; an existing key is kept),
    adds inbound allow rules (group "blackout") for ICMP echo, the STAMP port and the TCP
    listener (from -ProbeAddress only, when given), creates the service "blackout-responder"
    (automatic start, restarted on failure) with that key, starts it and shows the first line
    of its log: the start event with the checks the responder made (OS build, interface
    quarantine, firewall, Npcap). The guest's events go only to a probe that has the key:
    copy the key file to the probe host and give blackout-probe --stamp-key FILE. Plain STAMP
    (routers, twping) is still answered.

.PARAMETER ProbeAddress
    The probe host's addresses: the only sources the firewall rules admit (default: any).

.PARAMETER Capture
    Record each probe's arrival at the NIC (needs Npcap): an address of the guest, a part of
    the adapter's description, or Npcap's \Device\NPF_{GUID}.

.PARAMETER Heartbeat
    A heartbeat datagram to this probe host every 10 ms.

.PARAMETER KeyPath
    The event channel's key file (default: ProgramData\blackout\responder.key); made when
    missing, kept when there (one key for a whole cluster: copy the same file to each guest
    before installing).

.PARAMETER Uninstall
    Stops and deletes the service, removes the firewall rules of group "blackout" and the
    installed programs; the log and the key stay.

.PARAMETER Purge
    With -Uninstall: the log and the key go too.

.EXAMPLE
    .\Install-BlackoutResponder.ps1 -ProbeAddress 192.0.2.1 -Capture 192.0.2.10 -Heartbeat 192.0.2.1

.EXAMPLE
    .\Install-BlackoutResponder.ps1 -Uninstall -Purge
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
    [string]$KeyPath = (Join-Path $env:ProgramData 'blackout\responder.key'),
    [switch]$Uninstall,
    [switch]$Purge
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
    Write-Host "programs removed from $InstallDir"
}

if ($Uninstall) {
    Remove-Blackout
    if ($Purge) {
        foreach ($f in $LogPath, $KeyPath) {
            if (Test-Path $f) { Remove-Item -Path $f -Force }
        }
        Write-Host "the log $LogPath and the key $KeyPath removed"
    } else {
        Write-Host "the log $LogPath and the key $KeyPath stay (-Purge removes them)"
    }
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

# The event channel's key: made once, readable by SYSTEM (the service) and Administrators
# alone; the ACL is set on the empty file before the key is written into it.
if (-not (Test-Path $KeyPath)) {
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $KeyPath) | Out-Null
    New-Item -ItemType File -Path $KeyPath | Out-Null
    & icacls.exe $KeyPath /inheritance:r /grant:r '*S-1-5-18:F' '*S-1-5-32-544:F' | Out-Null
    $bytes = New-Object byte[] 32
    $rng = [Security.Cryptography.RandomNumberGenerator]::Create()
    $rng.GetBytes($bytes)
    $hex = -join ($bytes | ForEach-Object { $_.ToString('x2') })
    Set-Content -Path $KeyPath -Value $hex -Encoding Ascii
    Write-Host "key made: $KeyPath (copy it to the probe host: blackout-probe --stamp-key FILE)"
} else {
    & icacls.exe $KeyPath /inheritance:r /grant:r '*S-1-5-18:F' '*S-1-5-32-544:F' | Out-Null
    Write-Host "key kept: $KeyPath"
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
$cmd = "`"$exePath`" --service --port $StampPort --tcp-port $TcpPort --log `"$LogPath`" --key-file `"$KeyPath`""
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
