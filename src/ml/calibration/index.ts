// Calibration: reliability curves and ECE, and the Platt and isotonic calibrators (fit, apply,
// serialise, ONNX form). Re-exports only.
export { expectedCalibrationError, reliabilityCurve } from "./reliability.js";
export { fitPlatt } from "./platt.js";
export { applyIsotonic, fitIsotonic, poolAdjacentViolators } from "./isotonic.js";
export {
  applyCalibrator,
  calibratorToOnnx,
  deserializeCalibrator,
  fitCalibrator,
  serializeCalibrator,
  type Calibrator,
} from "./calibrator.js";
