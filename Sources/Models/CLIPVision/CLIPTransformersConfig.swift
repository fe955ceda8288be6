/// Reading and writing a transformers `config.json` for CLIPVisionModelWithProjection (model_type
/// clip_vision_model).
extension CLIPVision.Config {
    /// The config.json object transformers builds this model from.
    public var transformersConfig: [String: Any] {
        ["model_type": "clip_vision_model", "architectures": ["CLIPVisionModelWithProjection"],
         "hidden_size": hiddenSize, "intermediate_size": intermediateSize, "projection_dim": projectionDim,
         "num_hidden_layers": layers, "num_attention_heads": heads, "image_size": imageSize, "patch_size": patchSize,
         "num_channels": 3, "hidden_act": quickGELU ? "quick_gelu" : "gelu", "layer_norm_eps": Double("\(layerNormEps)") ?? 1e-5]
    }

    public init(transformersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        if let type = try file.string("model_type"), type != "clip_vision_model" {
            throw file.fail("model_type is \(type), not clip_vision_model")
        }
        let required = file.requiredInt
        let act = try file.string("hidden_act") ?? "quick_gelu"
        guard act == "quick_gelu" || act == "gelu" else { throw file.fail("hidden_act \(act) is not quick_gelu or gelu") }
        self.init(hiddenSize: try required("hidden_size"), intermediateSize: try required("intermediate_size"),
                  projectionDim: try required("projection_dim"), layers: try required("num_hidden_layers"),
                  heads: try required("num_attention_heads"), imageSize: try required("image_size"),
                  patchSize: try required("patch_size"), quickGELU: act == "quick_gelu",
                  layerNormEps: Float(try file.double("layer_norm_eps") ?? 1e-5))
        try file.requirePositive(["hidden_size": [hiddenSize], "intermediate_size": [intermediateSize], "projection_dim": [projectionDim],
                                  "num_hidden_layers": [layers], "num_attention_heads": [heads], "image_size": [imageSize],
                                  "patch_size": [patchSize]])
        try file.requireLayerCounts(["num_hidden_layers": layers])
        try file.require("num_attention_heads", heads, divides: "hidden_size", [hiddenSize])
        try file.require("patch_size", patchSize, divides: "image_size", [imageSize])
        guard layerNormEps.isFinite, layerNormEps > 0 else { throw file.fail("layer_norm_eps must be a positive number, got \(layerNormEps)") }
    }
}
