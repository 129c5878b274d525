/**
 * The boundaries of sscard (README "What is where", docs/architecture.md): the card and the terminal
 * each implement their half of every protocol and share only src/apdu, src/crypto and the neutral facts
 * of src/spec. Runs in `npm test` (`npm run lint`); test/architecture/dependency-rule.test.ts shows that
 * it fails on a violation.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'terminal-not-to-card',
      severity: 'error',
      comment:
        'Terminal and QA code never import card code: they reach a card through a CardReader. Only the ' +
        'in-process reader may use the card\'s public entry (src/card/index.ts) to hold a simulated card.',
      from: { path: '^src/(terminal|qa)/', pathNot: '^src/terminal/readers/simulated\\.ts$' },
      to: { path: '^src/card/' },
    },
    {
      name: 'in-process-reader-only-public-card-entry',
      severity: 'error',
      comment: 'The in-process reader may import src/card/index.ts and nothing deeper.',
      from: { path: '^src/terminal/readers/simulated\\.ts$' },
      to: { path: '^src/card/', pathNot: '^src/card/index\\.ts$' },
    },
    {
      name: 'card-not-to-terminal',
      severity: 'error',
      comment: 'The card never imports the terminal, QA or CLI code.',
      from: { path: '^src/(card|server)/' },
      to: { path: '^src/(terminal|qa|cli)/' },
    },
    {
      name: 'spec-is-neutral',
      severity: 'error',
      comment: 'src/spec holds protocol facts both sides share; it depends on nothing but apdu and crypto.',
      from: { path: '^src/spec/' },
      to: { path: '^src/(card|terminal|qa|cli|server)/' },
    },
    {
      name: 'apdu-and-crypto-are-foundations',
      severity: 'error',
      comment: 'src/apdu and src/crypto depend on no other part of sscard (crypto may use apdu).',
      from: { path: '^src/(apdu|crypto)/' },
      to: { path: '^src/(card|terminal|qa|cli|server|spec)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a bug (or a missing dependency).',
      from: { path: '^src/' },
      to: { couldNotResolve: true, pathNot: '^pcsclite$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
