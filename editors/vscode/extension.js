// Starts `mlc lsp` (stdio) for .mlspec files in VS Code; the grammar is declared in package.json.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("mlspec.server");
  const command = config.get("command", "npx");
  const args = config.get("args", ["mlc", "lsp"]);
  client = new LanguageClient(
    "mlspec",
    "mlspec (mlc)",
    { command, args, options: { shell: process.platform === "win32" } },
    { documentSelector: [{ scheme: "file", language: "mlspec" }] },
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
