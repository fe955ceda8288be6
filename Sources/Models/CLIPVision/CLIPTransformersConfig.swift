/// Reading a transformers `config.json` for CLIPVisionModelWithProjection (model_type clip_vision_model).
extension CLIPVision.Config {
    public init(transformersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        if let type = try file.string("model_type"), type != "clip_vision_model" {
            throw file.fail("model_type is \(type), not clip_vision_model")
        }
        func required(_ key: String) throws -> Int {
            guard let value = try file.int(key) else { throw file.fail("missing \(key)") }
            return value
        }
        let act = try file.string("hidden_act") ?? "quick_gelu"
        guard act == "quick_gelu" || act == "gelu" else { throw file.fail("hidden_act \(act) is not quick_gelu or gelu") }
        self.init(hiddenSize: try required("hidden_size"), intermediateSize: try required("intermediate_size"),
                  projectionDim: try required("projection_dim"), layers: try required("num_hidden_layers"),
                  heads: try required("num_attention_heads"), imageSize: try required("image_size"),
                  patchSize: try required("patch_size"), quickGELU: act == "quick_gelu",
                  layerNormEps: Float(try file.double("layer_norm_eps") ?? 1e-5))
    }
}
