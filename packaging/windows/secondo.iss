; Inno Setup script for Second-O Workstation on Windows (built on a Windows machine, not here).
; 1. py -3.11 -m venv .venv && .venv\Scripts\pip install -e .[build]
; 2. .venv\Scripts\pyinstaller --noconfirm packaging\secondo.spec      -> dist\secondo\
; 3. iscc packaging\windows\secondo.iss                                 -> dist\SecondO-Workstation-Setup-VERSION.exe
; The same one-folder bundle as on Linux (packaging/secondo.spec); .sodp files open with it,
; as packaging/linux/secondo-mime.xml and the macOS Info.plist in the spec declare.

#define AppVersion "0.1.0"   ; keep equal to app/__init__.py __version__

[Setup]
AppId={{8D3A6F0E-5C2B-4E51-9A3F-2B1D0C7E4A10}
AppName=Second-O Workstation
AppVersion={#AppVersion}
AppPublisher=Second-O
DefaultDirName={autopf}\Second-O Workstation
DefaultGroupName=Second-O Workstation
OutputDir=..\..\dist
OutputBaseFilename=SecondO-Workstation-Setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\secondo.ico
UninstallDisplayIcon={app}\secondo.exe
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "nl"; MessagesFile: "compiler:Languages\Dutch.isl"
Name: "fr"; MessagesFile: "compiler:Languages\French.isl"

[Files]
Source: "..\..\dist\secondo\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Second-O Workstation"; Filename: "{app}\secondo.exe"; Parameters: "gui"
Name: "{group}\Uninstall Second-O Workstation"; Filename: "{uninstallexe}"

[Registry]
; .sodp -> Second-O dossier package, opened with "secondo.exe gui FILE".
Root: HKA; Subkey: "Software\Classes\.sodp"; ValueType: string; ValueName: ""; ValueData: "SecondO.Package"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.sodp"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-secondo-package"
Root: HKA; Subkey: "Software\Classes\SecondO.Package"; ValueType: string; ValueName: ""; ValueData: "Second-O dossier package"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SecondO.Package\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\secondo.exe,0"
Root: HKA; Subkey: "Software\Classes\SecondO.Package\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\secondo.exe"" gui ""%1"""

[Run]
Filename: "{app}\secondo.exe"; Parameters: "gui"; Description: "Start Second-O Workstation"; Flags: nowait postinstall skipifsilent
