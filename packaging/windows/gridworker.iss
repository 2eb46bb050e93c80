; Inno Setup script: the Windows installer of the laptop app (网格员工作台).
;
; Packs the one-folder build (python packaging\build_bundle.py → dist\gridworker\) into
; dist\gridworker-setup-<version>.exe. Per-user: no administrator rights, installed under
; %LOCALAPPDATA%\Programs\Gridworker, a start-menu entry (and optionally a desktop icon),
; an uninstaller in Settings → Apps. The wizard speaks Simplified Chinese.
; The user's data (profiles, logs) lives in %LOCALAPPDATA%\Gridworker and is NOT removed by the
; uninstaller: unsent records must survive a reinstall.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\gridworker.iss
;
; Needs Inno Setup 6.5 or later (ChineseSimplified.isl among its languages); the CI workflow
; (.github/workflows/windows-bundle.yml) adds the file to older installations.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "网格员工作台 Gridworker"
#define Root AddBackslash(SourcePath) + "..\.."

[Setup]
; A fixed id: upgrades replace the installed version instead of installing beside it.
AppId={{6B0E3C8A-3F0D-4C52-9C0B-0F6A2A7E9D41}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Gridworker
DefaultDirName={autopf}\Gridworker
DefaultGroupName=网格员工作台
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=gridworker-setup-{#AppVersion}
SetupIconFile={#Root}\build\gridworker.ico
UninstallDisplayIcon={app}\gridworker.exe
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; The app may be running (it keeps one window per profile): ask to close it first.
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[CustomMessages]
chinesesimplified.DesktopIcon=在桌面创建快捷方式
chinesesimplified.AdditionalIcons=快捷方式：
chinesesimplified.LaunchApp=立即启动网格员工作台
chinesesimplified.DemoApp=网格员工作台（演示）
chinesesimplified.UninstallApp=卸载网格员工作台

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#Root}\dist\gridworker\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\网格员工作台"; Filename: "{app}\gridworker.exe"
Name: "{group}\{cm:DemoApp}"; Filename: "{app}\gridworker.exe"; Parameters: "--demo"
Name: "{group}\{cm:UninstallApp}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\网格员工作台"; Filename: "{app}\gridworker.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\gridworker.exe"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent
