// Calibration: reliability curves and ECE, and the Platt and isotonic calibrators (fit, apply,
// serialise, ONNX form). Re-exports only.
export {
  expectedCalibrationError,
  reliabilityCurve,
  type ReliabilityBin,
  type ReliabilityOptions,
} from "./reliability.js";
export { applyPlatt, fitPlatt, PLATT_EPS, type PlattCalibrator } from "./platt.js";
export { applyIsotonic, fitIsotonic, poolAdjacentViolators, type IsotonicCalibrator } from "./isotonic.js";
export {
  applyCalibrator,
  calibratorToOnnx,
  deserializeCalibrator,
  fitCalibrator,
  serializeCalibrator,
  type CalibrationMethod,
  type Calibrator,
} from "./calibrator.js";
