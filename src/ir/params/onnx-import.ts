// The parameters of an imported ONNX model (`algorithm = onnx("model.onnx")`). Pure data, read
// by the compiler and the importer.
import type { AlgorithmParams } from "./spec.js";

export const ONNX_IMPORT_PARAMS: AlgorithmParams = {
  algorithm: "onnx",
  params: [
    {
      name: "path",
      type: "string",
      default: "",
      doc: 'the .onnx file (relative paths resolve against the working directory; the spec\'s onnx("file") fills this)',
      setBy: 'onnx("file")',
    },
    {
      name: "output",
      type: "string",
      default: "",
      doc: "output to use; default: for classifiers the float output named like 'probabilities', else the first float output",
    },
  ],
};
