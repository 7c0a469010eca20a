import Testing
@testable import Rules

/// The JSON configuration parser behind `config(of:)` (issue 13).
@Suite struct JSONConfigTests {
    func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8))
        return try parser.value()
    }

    @Test func aCampaignConfigurationReadsAsParameters() throws {
        let config = try parse("""
            {"seeds": [1, 2, 3], "box": {"size": 512, "name": "L512 \\"fid\\""}, "z": [0.0, 0.5],
             "hydro": true, "comment": null, "models": ["dmo", "hydro\\u00e9"]}
            """)
        #expect(config["seeds"].strings == ["1", "2", "3"])
        #expect(config["box"]["size"].string == "512" && config["box"]["name"].string == "L512 \"fid\"")
        #expect(config["z"].strings == ["0.0", "0.5"] && config["hydro"].string == "true")
        #expect(config["comment"] == .null && config["missing"]["deeper"] == .null)
        #expect(config["models"][1].string == "hydroé")
        #expect(config.keys == ["box", "comment", "hydro", "models", "seeds", "z"])
    }

    @Test func malformedJSONSaysWhereAndWhat() {
        for (text, what) in [("{\"a\": [1, 2}", "',' or ']' was expected"), ("{\"a\" 1}", "':' was expected"),
                             ("[1, nope]", "unexpected 'nope'"), ("{\"a\": \"open", "an unterminated string")] {
            #expect { try parse(text) } throws: { error in ((error as? JSONParser.Failure)?.what ?? "") == what }
        }
    }
}
