// Imports every executor module for its side effect (each calls registerExecutor). Add one
// import line per node kind.
import "./source.js";
import "./features.js";
import "./split.js";
import "./model/index.js";
import "./gate/index.js";
import "./deploy/index.js";
import "./experiment.js";
