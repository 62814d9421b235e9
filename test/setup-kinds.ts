// Registers every block kind of the language (src/kinds/index.ts) before each test file, as the
// CLI and the runtime do: the compiler itself knows no kind.
import "../src/kinds/index.js";
