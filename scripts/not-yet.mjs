// Prints plainly that a root script's work has not landed yet, and exits non-zero.
const [what = "This command", where = "a later issue"] = process.argv.slice(2);
console.error(`${what} is not available yet: it lands with ${where}. Nothing was done.`);
process.exit(2);
