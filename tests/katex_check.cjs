// Render every equation with the pinned KaTeX in one process (a node start per equation is slow).
// stdin:  [[name, tex], ...]
// stdout: {"version": "...", "errors": [[name, message], ...]}  -- only the equations KaTeX rejects.
"use strict";

const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const errors = [];
  for (const [name, tex] of JSON.parse(input)) {
    try {
      katex.renderToString(tex, { displayMode: true, throwOnError: true });
    } catch (error) {
      errors.push([name, error.message]);
    }
  }
  process.stdout.write(JSON.stringify({ version: katex.version, errors }));
});
