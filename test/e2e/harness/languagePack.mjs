/**
 * A stand-in language pack, so that code-server starts in another display language. Real
 * packs come from the extension marketplace, which the test cannot reach. code-server only
 * switches to a language for which `languagepacks.json` in the user data folder lists a pack.
 * The pack's translation file is empty, so the workbench stays English while extensions see
 * the language in `vscode.env.language` and load their own translations for it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PUBLISHER = 'gradient-flow-test';
const VERSION = '1.0.0';

/** Writes the pack into the profile's root folder and registers it; call before code-server starts. */
export function installLanguagePack(profile, { languageId, languageName, label }) {
  const name = `language-pack-${languageId}`;
  const packDir = path.join(profile.rootDir, name);
  const translationsFile = path.join(packDir, 'translations', 'main.i18n.json');
  mkdirSync(path.dirname(translationsFile), { recursive: true });

  writeFileSync(
    path.join(packDir, 'package.json'),
    JSON.stringify(
      {
        name,
        publisher: PUBLISHER,
        version: VERSION,
        engines: { vscode: '*' },
        contributes: {
          localizations: [{ languageId, languageName, translations: [{ id: 'vscode', path: './translations/main.i18n.json' }] }],
        },
      },
      null,
      2,
    ),
  );
  writeFileSync(translationsFile, JSON.stringify({ version: VERSION, contents: {} }));

  const languagePacks = {
    [languageId]: {
      hash: `${name}-${VERSION}`,
      extensions: [{ extensionIdentifier: { id: `${PUBLISHER}.${name}` }, version: VERSION }],
      translations: { vscode: translationsFile },
      label,
    },
  };
  mkdirSync(profile.userDataDir, { recursive: true });
  writeFileSync(path.join(profile.userDataDir, 'languagepacks.json'), JSON.stringify(languagePacks, null, 2));
}
