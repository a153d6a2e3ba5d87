; Inno Setup script for the Windows installer of MuralStudio (UTF-8 with BOM: it holds Chinese text).
; Build the one-folder bundle first (packaging\README.md), then:
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\muralstudio.iss
; Output: dist\MuralStudio-0.1.0-setup.exe
; Per-user install (no administrator rights); the user may choose an all-users install when
; they have the rights. Start-menu entry, optional desktop shortcut, .mural association and
; an optional .tif/.tiff association ("Open with" entry only: never takes over the default).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "MuralStudio"
#define AppExe "MuralStudio.exe"

[Setup]
AppId={{6B0F7A52-3C1E-4D8B-9E2A-4D5C1F0A7E31}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=MuralStudio
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=MuralStudio-{#AppVersion}-setup
SetupIconFile=..\resources\muralstudio.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesAssociations=yes
DisableProgramGroupPage=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; stock Inno Setup 6 has no Simplified Chinese file: ours (vendored) overrides Default.isl's messages
Name: "chinesesimplified"; MessagesFile: "compiler:Default.isl,ChineseSimplified-MuralStudio.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "assoctiff"; Description: "{cm:OfferForTiff}"; GroupDescription: "{cm:FileAssociations}"; Flags: unchecked

[CustomMessages]
english.OfferForTiff=Offer MuralStudio in ""Open with"" for TIFF images
english.FileAssociations=File associations:
chinesesimplified.OfferForTiff=在 TIFF 图像的“打开方式”中提供 MuralStudio
chinesesimplified.FileAssociations=文件关联：

[Files]
Source: "..\dist\MuralStudio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{#AppName} self-test"; Filename: "{app}\muralstudio-cli.exe"; Parameters: "--selftest"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .mural projects open in MuralStudio (HKA = HKCU for per-user installs, HKLM for all users)
Root: HKA; Subkey: "Software\Classes\.mural"; ValueType: string; ValueName: ""; ValueData: "MuralStudio.Project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\MuralStudio.Project"; ValueType: string; ValueName: ""; ValueData: "MuralStudio project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\MuralStudio.Project\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\MuralStudio.Project\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
; TIFF: only an "Open with" entry, removed on uninstall
Root: HKA; Subkey: "Software\Classes\.tif\OpenWithProgids"; ValueType: string; ValueName: "MuralStudio.Image"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoctiff
Root: HKA; Subkey: "Software\Classes\.tiff\OpenWithProgids"; ValueType: string; ValueName: "MuralStudio.Image"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoctiff
Root: HKA; Subkey: "Software\Classes\MuralStudio.Image"; ValueType: string; ValueName: ""; ValueData: "Image (MuralStudio)"; Flags: uninsdeletekey; Tasks: assoctiff
Root: HKA; Subkey: "Software\Classes\MuralStudio.Image\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""; Tasks: assoctiff

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; pyramid caches and logs the program wrote inside its own folder (user data elsewhere is kept)
Type: filesandordirs; Name: "{app}\__pycache__"
