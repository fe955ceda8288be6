/// Reading a diffusers `config.json` for AutoencoderKLTemporalDecoder.
extension VAEEncoder.Config {
    public init(diffusersConfigAt path: String) throws {
        let file = try ModelConfigFile(path: path)
        try file.require(className: "AutoencoderKLTemporalDecoder")
        var c = VAEEncoder.Config.sd
        c.blockOutChannels = try file.ints("block_out_channels") ?? c.blockOutChannels
        c.layersPerBlock = try file.int("layers_per_block") ?? c.layersPerBlock
        c.latentChannels = try file.int("latent_channels") ?? c.latentChannels
        c.inChannels = try file.int("in_channels") ?? c.inChannels
        c.groups = try file.int("norm_num_groups") ?? c.groups
        if let out = try file.int("out_channels"), out != c.inChannels {
            throw file.fail("out_channels \(out) must equal in_channels \(c.inChannels)")
        }
        self = c
    }
}
