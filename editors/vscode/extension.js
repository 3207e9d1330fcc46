// Starts `policy lsp` (the language server of engine/authoring/lsp.py) for .rules files.
// The command is the setting policyRules.server.command (default: `policy lsp` from PATH).
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("policyRules").get("server.command", ["policy", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "policyRules",
    "Policy rules language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "policy-rules" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
