//! British spellings read as American ones before stemming, so "unauthorised"
//! and "unauthorized", "organisation" and "organization", "behaviour" and
//! "behavior" are one word to search and to clustering alike (the English
//! stemmer alone leaves "unauthoris" and "unauthor"). EU and UK texts and
//! their translators write British English, North American lists American:
//! a query must find both, and two definitions that say the same thing must
//! not differ for it. [`AmericanSpelling`] is a token filter of the English
//! analyzer, after lower-casing and before the stemmer.
//!
//! Rules, not a dictionary: "-isation" and "-ise(d|s|r|rs)" / "-ising" become
//! "-iz…", "-yse…" becomes "-yz…"; a short list of roots covers "-our",
//! "-tre", "-ence" and doubled "l". A word that is "-ise" in American English
//! too ("exercise", "otherwise") is left alone where listed; where not, both
//! spellings still meet, since every text goes through the same rules.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Words that end in "-ise" in American English too.
const ISE_ALSO_AMERICAN: &[&str] = &[
    "advertise",
    "advise",
    "appraise",
    "apprise",
    "bruise",
    "chastise",
    "circumcise",
    "clockwise",
    "comprise",
    "compromise",
    "concise",
    "cruise",
    "demise",
    "despise",
    "devise",
    "disguise",
    "enterprise",
    "excise",
    "exercise",
    "expertise",
    "franchise",
    "improvise",
    "incise",
    "likewise",
    "merchandise",
    "otherwise",
    "paradise",
    "praise",
    "precise",
    "premise",
    "promise",
    "revise",
    "supervise",
    "surmise",
    "surprise",
    "televise",
    "treatise",
];

/// (British, American) roots, matched at the start of a word with at most an
/// ending after them ("behaviours", "labelling"; a root ending in "e" takes
/// a plural "s" only).
const ROOTS: &[(&str, &str)] = &[
    ("armour", "armor"),
    ("behaviour", "behavior"),
    ("calibre", "caliber"),
    ("cancell", "cancel"),
    ("centre", "center"),
    ("channell", "channel"),
    ("colour", "color"),
    ("counsell", "counsel"),
    ("defence", "defense"),
    ("endeavour", "endeavor"),
    ("enrolment", "enrollment"),
    ("favour", "favor"),
    ("fibre", "fiber"),
    ("fuell", "fuel"),
    ("grey", "gray"),
    ("harbour", "harbor"),
    ("honour", "honor"),
    ("judgement", "judgment"),
    ("labell", "label"),
    ("labour", "labor"),
    ("levell", "level"),
    ("licence", "license"),
    ("litre", "liter"),
    ("metre", "meter"),
    ("modell", "model"),
    ("neighbour", "neighbor"),
    ("offence", "offense"),
    ("pretence", "pretense"),
    ("programme", "program"),
    ("signall", "signal"),
    ("theatre", "theater"),
    ("totall", "total"),
    ("travell", "travel"),
];

/// Endings a root not ending in "e" may carry and still be that word.
const ENDINGS: &[&str] = &["al", "ed", "er", "ers", "ing", "ings", "ite", "ites", "able", "less"];

/// The American spelling of one lower-case word, if it differs.
fn american_word(word: &str) -> Option<String> {
    for (british, american) in ROOTS {
        if let Some(rest) = word.strip_prefix(british)
            && (rest.is_empty() || rest == "s" || (!british.ends_with('e') && ENDINGS.contains(&rest)))
        {
            return Some(format!("{american}{rest}"));
        }
    }
    for (from, to) in [
        ("isations", "izations"),
        ("isation", "ization"),
        ("ising", "izing"),
        ("isers", "izers"),
        ("ised", "ized"),
        ("ises", "izes"),
        ("iser", "izer"),
        ("ise", "ize"),
    ] {
        if let Some(stem) = word.strip_suffix(from) {
            // "rise", "noise", "raise", "wise": too short to be "-ize" words.
            let kept = stem.chars().count() < 3 || ISE_ALSO_AMERICAN.contains(&format!("{stem}ise").as_str());
            return (!kept).then(|| format!("{stem}{to}"));
        }
    }
    for (from, to) in [("ysing", "yzing"), ("ysed", "yzed"), ("yses", "yzes"), ("yse", "yze")] {
        if let Some(stem) = word.strip_suffix(from)
            && stem.chars().count() >= 3
        {
            return Some(format!("{stem}{to}"));
        }
    }
    None
}

/// The token filter: a lower-case English word in, its American spelling out.
#[derive(Clone, Copy, Debug, Default)]
pub struct AmericanSpelling;

impl TokenFilter for AmericanSpelling {
    type Tokenizer<T: Tokenizer> = AmericanSpellingFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> AmericanSpellingFilter<T> {
        AmericanSpellingFilter(tokenizer)
    }
}

#[derive(Clone)]
pub struct AmericanSpellingFilter<T>(T);

impl<T: Tokenizer> Tokenizer for AmericanSpellingFilter<T> {
    type TokenStream<'a> = AmericanSpellingStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        AmericanSpellingStream(self.0.token_stream(text))
    }
}

pub struct AmericanSpellingStream<S>(S);

impl<S: TokenStream> TokenStream for AmericanSpellingStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.len() >= 4
            && token.text.is_ascii()
            && let Some(us) = american_word(&token.text)
        {
            token.text = us;
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::AmericanSpelling;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer, TokenStream};

    fn american(text: &str) -> String {
        let mut analyzer =
            TextAnalyzer::builder(SimpleTokenizer::default()).filter(LowerCaser).filter(AmericanSpelling).build();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out.join(" ")
    }

    #[test]
    fn british_spellings_read_as_american() {
        assert_eq!(american("unauthorised access"), "unauthorized access");
        assert_eq!(american("the organisations' behaviour"), "the organizations behavior");
        assert_eq!(american("data centres analysed"), "data centers analyzed");
        assert_eq!(american("Cyber Defence"), "cyber defense");
        assert_eq!(american("labelling programmes"), "labeling programs");
        assert_eq!(american("behavioural"), "behavioral");
    }

    #[test]
    fn words_that_are_the_same_in_both_stay() {
        for s in [
            "otherwise",
            "exercise",
            "enterprise",
            "compromised",
            "revised",
            "rise",
            "noise",
            "precise",
            "hour",
            "four",
            "tour",
            "contour",
            "analysis",
            "totally",
            "programmed",
            "centred",
        ] {
            assert_eq!(american(s), s, "{s}");
        }
    }
}
