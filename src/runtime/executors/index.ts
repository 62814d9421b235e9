// Imports every executor module for its side effect (each calls registerExecutor). Add one
// import line per node kind.
import "../../kinds/source/executor.js";
import "../../kinds/features/executor.js";
import "../../kinds/split/executor.js";
import "../../kinds/model/executor.js";
import "../../kinds/gate/executor.js";
import "../../kinds/deploy/executor.js";
