//! A deterministic, seeded generator of synthetic national term lists, for the
//! search benchmarks (criterion benches, `examples/gen_corpus.rs`, the SQLite
//! and PostgreSQL peers, the wrk load test).
//!
//! Everything here is made up from small hand-written ICT-security
//! vocabularies in en, fr, de, it, ru and es plus pseudo-words for the long
//! tail; no real glossary text is used. The same `(seed, total_entries)`
//! always yields the same lists, byte for byte: the only randomness is a
//! xoshiro256** generator seeded through SplitMix64, and no hash-map iteration
//! order leaks into the output. (The only floating point is std's `ln`, `exp`
//! and `powf` in the samplers; a platform whose libm rounds those differently
//! in the last bit could in principle draw a different word now and then.)
//!
//! Include it with `#[path = "common/corpus.rs"] mod corpus;` (from a bench)
//! or `#[path = "../benches/common/corpus.rs"] mod corpus;` (from an example).
//! It uses std only.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

/// One generated entry: the fields of an entry in a submission body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenEntry {
    pub term: String,
    pub definition: String,
    pub term_en: Option<String>,
    pub definition_en: Option<String>,
    pub domains: Vec<String>,
}

/// One generated national list: one (state, year) pair, one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenList {
    pub state: String,
    pub year: i32,
    pub language: String,
    pub entries: Vec<GenEntry>,
}

/// The 57 OSCE participating States, ISO 3166-1 alpha-2.
pub const STATES: [&str; 57] = [
    "AL", "AD", "AM", "AT", "AZ", "BY", "BE", "BA", "BG", "CA", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "GE", "DE",
    "GR", "VA", "HU", "IS", "IE", "IT", "KZ", "KG", "LV", "LI", "LT", "LU", "MT", "MD", "MC", "MN", "ME", "NL", "MK",
    "NO", "PL", "PT", "RO", "RU", "SM", "RS", "SK", "SI", "ES", "SE", "CH", "TJ", "TR", "TM", "UA", "GB", "US", "UZ",
];
pub const FIRST_YEAR: i32 = 2014;
pub const LAST_YEAR: i32 = 2026;
/// The languages lists are written in, in the column order of [`CONCEPTS`].
pub const LANGUAGES: [&str; 6] = ["en", "fr", "de", "it", "ru", "es"];
pub const MIN_LIST: usize = 200;
pub const MAX_LIST: usize = 5_000;

const EN: usize = 0;
const FR: usize = 1;
const DE: usize = 2;
const IT: usize = 3;
const RU: usize = 4;
const ES: usize = 5;

/// Concepts of ICT security, one row per concept: en, fr, de, it, ru, es.
/// Rows are ordered roughly by how common the concept is; the samplers draw
/// them with Zipf weights, so the first rows dominate.
const CONCEPTS: &[[&str; 6]] = &[
    ["cyber", "cyber", "Cyber", "cyber", "кибер", "ciber"],
    ["security", "sécurité", "Sicherheit", "sicurezza", "безопасность", "seguridad"],
    ["information", "information", "Information", "informazione", "информация", "información"],
    ["attack", "attaque", "Angriff", "attacco", "атака", "ataque"],
    ["network", "réseau", "Netz", "rete", "сеть", "red"],
    ["system", "système", "System", "sistema", "система", "sistema"],
    ["data", "données", "Daten", "dati", "данные", "datos"],
    ["incident", "incident", "Vorfall", "incidente", "инцидент", "incidente"],
    ["access", "accès", "Zugang", "accesso", "доступ", "acceso"],
    ["critical", "critique", "kritisch", "critico", "критический", "crítico"],
    ["infrastructure", "infrastructure", "Infrastruktur", "infrastruttura", "инфраструктура", "infraestructura"],
    ["threat", "menace", "Bedrohung", "minaccia", "угроза", "amenaza"],
    ["risk", "risque", "Risiko", "rischio", "риск", "riesgo"],
    ["protection", "protection", "Schutz", "protezione", "защита", "protección"],
    ["control", "contrôle", "Kontrolle", "controllo", "контроль", "control"],
    ["vulnerability", "vulnérabilité", "Schwachstelle", "vulnerabilità", "уязвимость", "vulnerabilidad"],
    ["malware", "maliciel", "Schadsoftware", "malware", "вредоносное ПО", "malware"],
    ["service", "service", "Dienst", "servizio", "услуга", "servicio"],
    ["digital", "numérique", "digital", "digitale", "цифровой", "digital"],
    ["national", "national", "national", "nazionale", "национальный", "nacional"],
    ["response", "réponse", "Reaktion", "risposta", "реагирование", "respuesta"],
    ["encryption", "chiffrement", "Verschlüsselung", "cifratura", "шифрование", "cifrado"],
    ["authentication", "authentification", "Authentifizierung", "autenticazione", "аутентификация", "autenticación"],
    ["international", "international", "international", "internazionale", "международный", "internacional"],
    ["state", "État", "Staat", "Stato", "государство", "Estado"],
    ["measure", "mesure", "Maßnahme", "misura", "мера", "medida"],
    ["confidence", "confiance", "Vertrauen", "fiducia", "доверие", "confianza"],
    ["integrity", "intégrité", "Integrität", "integrità", "целостность", "integridad"],
    ["availability", "disponibilité", "Verfügbarkeit", "disponibilità", "доступность", "disponibilidad"],
    ["confidentiality", "confidentialité", "Vertraulichkeit", "riservatezza", "конфиденциальность", "confidencialidad"],
    ["identity", "identité", "Identität", "identità", "идентичность", "identidad"],
    ["key", "clé", "Schlüssel", "chiave", "ключ", "clave"],
    ["computer", "ordinateur", "Computer", "calcolatore", "компьютер", "ordenador"],
    ["software", "logiciel", "Software", "software", "программное обеспечение", "software"],
    ["team", "équipe", "Team", "squadra", "группа", "equipo"],
    ["emergency", "urgence", "Notfall", "emergenza", "чрезвычайная ситуация", "emergencia"],
    ["operator", "opérateur", "Betreiber", "operatore", "оператор", "operador"],
    ["provider", "fournisseur", "Anbieter", "fornitore", "поставщик", "proveedor"],
    ["user", "utilisateur", "Nutzer", "utente", "пользователь", "usuario"],
    ["electronic", "électronique", "elektronisch", "elettronico", "электронный", "electrónico"],
    ["crime", "criminalité", "Kriminalität", "criminalità", "преступность", "delincuencia"],
    ["defence", "défense", "Verteidigung", "difesa", "оборона", "defensa"],
    ["policy", "politique", "Richtlinie", "politica", "политика", "política"],
    ["strategy", "stratégie", "Strategie", "strategia", "стратегия", "estrategia"],
    ["cooperation", "coopération", "Zusammenarbeit", "cooperazione", "сотрудничество", "cooperación"],
    ["resilience", "résilience", "Resilienz", "resilienza", "устойчивость", "resiliencia"],
    ["monitoring", "surveillance", "Überwachung", "monitoraggio", "мониторинг", "monitorización"],
    ["detection", "détection", "Erkennung", "rilevamento", "обнаружение", "detección"],
    ["intrusion", "intrusion", "Eindringen", "intrusione", "вторжение", "intrusión"],
    ["certificate", "certificat", "Zertifikat", "certificato", "сертификат", "certificado"],
    ["signature", "signature", "Signatur", "firma", "подпись", "firma"],
    ["password", "mot de passe", "Passwort", "parola d'ordine", "пароль", "contraseña"],
    ["denial", "déni", "Verweigerung", "negazione", "отказ", "denegación"],
    ["espionage", "espionnage", "Spionage", "spionaggio", "шпионаж", "espionaje"],
    ["sovereignty", "souveraineté", "Souveränität", "sovranità", "суверенитет", "soberanía"],
    ["firewall", "pare-feu", "Firewall", "firewall", "межсетевой экран", "cortafuegos"],
    ["botnet", "réseau zombie", "Botnetz", "botnet", "ботнет", "botnet"],
    ["phishing", "hameçonnage", "Phishing", "phishing", "фишинг", "phishing"],
    ["ransomware", "rançongiciel", "Erpressungssoftware", "ransomware", "программа-вымогатель", "ransomware"],
    ["backup", "sauvegarde", "Sicherung", "backup", "резервирование", "respaldo"],
    ["recovery", "reprise", "Wiederherstellung", "ripristino", "восстановление", "recuperación"],
    ["forensics", "criminalistique", "Forensik", "forense", "криминалистика", "forense"],
    ["audit", "audit", "Prüfung", "verifica", "аудит", "auditoría"],
    ["governance", "gouvernance", "Steuerung", "governance", "управление", "gobernanza"],
    ["standard", "norme", "Norm", "norma", "стандарт", "norma"],
    ["certification", "certification", "Zertifizierung", "certificazione", "сертификация", "certificación"],
    ["cloud", "nuage", "Cloud", "cloud", "облако", "nube"],
    ["internet", "Internet", "Internet", "Internet", "интернет", "Internet"],
    ["domain", "domaine", "Domäne", "dominio", "домен", "dominio"],
    ["address", "adresse", "Adresse", "indirizzo", "адрес", "dirección"],
    ["protocol", "protocole", "Protokoll", "protocollo", "протокол", "protocolo"],
    ["traffic", "trafic", "Verkehr", "traffico", "трафик", "tráfico"],
    ["exploit", "exploit", "Exploit", "exploit", "эксплойт", "exploit"],
    ["patch", "correctif", "Patch", "patch", "исправление", "parche"],
    ["supply", "approvisionnement", "Lieferkette", "fornitura", "поставка", "suministro"],
    ["disinformation", "désinformation", "Desinformation", "disinformazione", "дезинформация", "desinformación"],
    ["terrorism", "terrorisme", "Terrorismus", "terrorismo", "терроризм", "terrorismo"],
    ["hacker", "pirate", "Hacker", "hacker", "хакер", "pirata"],
    ["privacy", "vie privée", "Privatsphäre", "privacy", "неприкосновенность", "privacidad"],
    ["space", "espace", "Raum", "spazio", "пространство", "espacio"],
    ["operation", "opération", "Operation", "operazione", "операция", "operación"],
    ["capability", "capacité", "Fähigkeit", "capacità", "потенциал", "capacidad"],
    ["sharing", "partage", "Austausch", "condivisione", "обмен", "intercambio"],
    ["warning", "alerte", "Warnung", "allerta", "предупреждение", "alerta"],
];

/// Function words per language (en, fr, de, it, ru, es), by falling frequency.
/// Index `i` of one language loosely corresponds to index `i` of English, which
/// is how the English translation of a definition is built.
const FUNCTION_WORDS: [[&str; 25]; 6] = [
    [
        "the", "of", "and", "a", "to", "in", "or", "that", "is", "for", "by", "which", "with", "on", "as", "an", "any",
        "be", "from", "its", "are", "other", "such", "this", "may",
    ],
    [
        "de", "la", "le", "et", "les", "des", "à", "du", "en", "un", "une", "qui", "pour", "par", "ou", "est", "sur",
        "dans", "au", "aux", "que", "ce", "avec", "toute", "son",
    ],
    [
        "der", "die", "und", "des", "das", "von", "zu", "in", "den", "oder", "ein", "eine", "mit", "für", "durch",
        "auf", "im", "dem", "ist", "als", "sowie", "werden", "einer", "bei", "zur",
    ],
    [
        "di", "il", "e", "la", "che", "dei", "delle", "per", "in", "un", "una", "o", "del", "della", "con", "da", "al",
        "nel", "sono", "è", "ogni", "tale", "le", "gli", "sui",
    ],
    [
        "и",
        "в",
        "на",
        "или",
        "с",
        "по",
        "для",
        "к",
        "от",
        "о",
        "что",
        "который",
        "также",
        "при",
        "его",
        "их",
        "а",
        "не",
        "из",
        "как",
        "это",
        "все",
        "между",
        "под",
        "без",
    ],
    [
        "de",
        "la",
        "el",
        "y",
        "los",
        "las",
        "del",
        "en",
        "un",
        "una",
        "que",
        "para",
        "por",
        "o",
        "con",
        "a",
        "al",
        "es",
        "se",
        "su",
        "sus",
        "sobre",
        "cualquier",
        "entre",
        "como",
    ],
];

/// Syllables for the pseudo-words of the long tail, per language.
const SYLLABLES: [&[&str]; 6] = [
    &[
        "ka", "ter", "lo", "mi", "net", "sec", "ra", "dor", "vi", "plex", "tro", "gen", "al", "ix", "on", "bar", "ste",
        "qu", "um", "ly",
    ],
    &[
        "sé", "ra", "lon", "tin", "cor", "mè", "ge", "qu", "ai", "bré", "vi", "pla", "ron", "oi", "tê", "dé", "nu",
        "ça", "lis", "ment",
    ],
    &[
        "ver", "ka", "stro", "ün", "gel", "mä", "tor", "bau", "lin", "schu", "rei", "ßen", "ko", "wa", "nit", "hö",
        "pe", "zen", "dra", "fel",
    ],
    &[
        "ca", "ri", "to", "lu", "men", "za", "pio", "ve", "gna", "sco", "te", "ro", "bel", "fi", "no", "que", "da",
        "sil", "mo", "ra",
    ],
    &[
        "ка", "ро", "ти", "ле", "на", "ви", "ст", "ом", "ря", "жи", "бу", "де", "ль", "мо", "щи", "ён", "за", "пы",
        "ка", "ин",
    ],
    &[
        "ca", "ño", "ri", "ta", "ble", "lo", "mí", "ver", "go", "sa", "re", "du", "ción", "pe", "in", "ra", "te", "ma",
        "bi", "ón",
    ],
];

/// How many pseudo-words each language has for the long tail.
const TAIL_WORDS: usize = 20_000;

const DOMAINS: [&str; 13] = [
    "incident response",
    "cryptography",
    "critical infrastructure",
    "governance",
    "network security",
    "malware",
    "identity management",
    "data protection",
    "cybercrime",
    "international law",
    "risk management",
    "standards",
    "confidence-building measures",
];

// ---------------------------------------------------------------------------
// Randomness: SplitMix64 to seed, xoshiro256** to draw.

/// SplitMix64: turns any seed into well-mixed 64-bit words.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// xoshiro256**, seeded from SplitMix64.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator for one purpose (`stream`) under one seed.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut sm = SplitMix64::new(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        Self { s: [sm.next_u64(), sm.next_u64(), sm.next_u64(), sm.next_u64()] }
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, n); `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in [lo, hi].
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Fisher-Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Draws ranks 0..n with probability proportional to 1 / (rank + 1)^s.
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(s);
                total
            })
            .collect();
        Self { cumulative }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("a Zipf sampler over no ranks");
        let x = rng.f64() * total;
        self.cumulative.partition_point(|&c| c <= x).min(self.cumulative.len() - 1)
    }
}

// ---------------------------------------------------------------------------
// Text helpers.

/// The comparison key the service uses for duplicate terms, or a coarser one:
/// lower case, Latin-1 and Cyrillic diacritics removed, ß → ss, every run of
/// dashes, underscores and whitespace one space, trimmed. Two terms with the
/// same service key always have the same key here, so terms unique under this
/// key are unique for the service.
pub fn term_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for upper in text.chars() {
        for c in upper.to_lowercase() {
            let folded: &str = match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
                'ç' => "c",
                'è' | 'é' | 'ê' | 'ë' => "e",
                'ì' | 'í' | 'î' | 'ï' => "i",
                'ñ' => "n",
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
                'ù' | 'ú' | 'û' | 'ü' => "u",
                'ý' | 'ÿ' => "y",
                'ß' => "ss",
                'æ' => "ae",
                'œ' => "oe",
                'ё' => "е",
                'й' => "и",
                '\u{2019}' | '\u{2018}' | '`' | '\u{00b4}' => "'",
                c if c.is_whitespace() || matches!(c, '-' | '_' | '\u{2010}'..='\u{2014}' | '\u{2212}') => {
                    pending_space = !out.is_empty();
                    continue;
                }
                c => {
                    if pending_space {
                        out.push(' ');
                        pending_space = false;
                    }
                    out.push(c);
                    continue;
                }
            };
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push_str(folded);
        }
    }
    out
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn starts_with_vowel_or_h(word: &str) -> bool {
    word.chars().next().is_some_and(|c| "aeiouyhàâéèêîôûAEIOUYHÉÈÊÎÔÛ".contains(c))
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pseudo-words of the long tail, per language; the English one of index
/// `i` serves as the translation of every language's word `i`.
fn tail_words(seed: u64) -> Vec<Vec<String>> {
    (0..LANGUAGES.len())
        .map(|lang| {
            let syllables = SYLLABLES[lang];
            let mut seen = HashSet::new();
            let mut words = Vec::with_capacity(TAIL_WORDS);
            let mut i: u64 = 0;
            while words.len() < TAIL_WORDS {
                let mut sm = SplitMix64::new(seed ^ (i << 8) ^ lang as u64);
                i += 1;
                let h = sm.next_u64();
                let n = 2 + (h % 3) as usize;
                let mut word = String::new();
                for k in 0..n {
                    word.push_str(syllables[((h >> (8 + 8 * k)) % syllables.len() as u64) as usize]);
                }
                if seen.insert(term_key(&word)) {
                    words.push(word);
                }
            }
            words
        })
        .collect()
}

// ---------------------------------------------------------------------------
// The corpus.

/// A token of generated text, language-independent, so that the text and its
/// English translation come from one draw.
#[derive(Debug, Clone, Copy)]
enum Tok {
    Concept(usize),
    Function(usize),
    Tail(usize),
}

struct Vocab {
    concept_zipf: Zipf,
    function_zipf: Zipf,
    tail_zipf: Zipf,
    tail: Vec<Vec<String>>,
}

impl Vocab {
    fn new(seed: u64) -> Self {
        Self {
            concept_zipf: Zipf::new(CONCEPTS.len(), 0.9),
            function_zipf: Zipf::new(FUNCTION_WORDS[0].len(), 1.1),
            tail_zipf: Zipf::new(TAIL_WORDS, 1.05),
            tail: tail_words(seed),
        }
    }

    fn word(&self, tok: Tok, lang: usize) -> &str {
        match tok {
            Tok::Concept(i) => CONCEPTS[i][lang],
            Tok::Function(i) => FUNCTION_WORDS[lang][i],
            Tok::Tail(i) => &self.tail[lang][i],
        }
    }
}

/// The native languages (among the six) a State might write its list in.
fn native_languages(state: &str) -> &'static [usize] {
    match state {
        "FR" | "MC" => &[FR],
        "BE" => &[FR, DE],
        "LU" => &[FR, DE],
        "CH" => &[DE, FR, IT],
        "CA" => &[FR],
        "DE" | "AT" | "LI" => &[DE],
        "IT" | "SM" | "VA" => &[IT],
        "RU" | "BY" | "KZ" | "KG" | "TJ" => &[RU],
        "AM" | "AZ" | "MD" | "UZ" | "TM" => &[RU],
        "ES" | "AD" => &[ES],
        _ => &[],
    }
}

fn choose_language(rng: &mut Rng, state: &str) -> usize {
    let native = native_languages(state);
    let p_native = match state {
        "CA" => 0.2,
        "AM" | "AZ" | "MD" | "UZ" | "TM" => 0.4,
        _ => 0.7,
    };
    if !native.is_empty() && rng.chance(p_native) {
        *rng.pick(native)
    } else if native.is_empty() && rng.chance(0.04) {
        // A few lists in a language that is not the State's own.
        1 + rng.below(LANGUAGES.len() - 1)
    } else {
        EN
    }
}

/// List sizes: log-uniform in [MIN_LIST, MAX_LIST], adding up to `total`; if
/// that takes more lists than there are (state, year) pairs, fewer, larger lists.
fn list_sizes(rng: &mut Rng, total: usize, max_lists: usize) -> Vec<usize> {
    if total == 0 {
        return Vec::new();
    }
    let (lo, hi) = ((MIN_LIST as f64).ln(), (MAX_LIST as f64).ln());
    let mut sizes = Vec::new();
    let mut remaining = total;
    while remaining > 0 {
        let mut size = (lo + rng.f64() * (hi - lo)).exp().round() as usize;
        if remaining <= size + MIN_LIST {
            size = remaining;
        }
        sizes.push(size);
        remaining -= size;
    }
    if sizes.len() > max_lists {
        // Even sizes with a little jitter, still adding up to `total`.
        let base = total / max_lists;
        sizes = vec![base; max_lists];
        for size in sizes.iter_mut().take(total - base * max_lists) {
            *size += 1;
        }
        for i in 0..max_lists {
            let j = rng.below(max_lists);
            let shift = rng.below(base / 10 + 1).min(sizes[j].saturating_sub(1));
            sizes[j] -= shift;
            sizes[i] += shift;
        }
    }
    sizes
}

/// Picks `n` distinct (state, year) pairs: some States submit often, some
/// rarely, and recent years a little more often than early ones.
fn pick_pairs(rng: &mut Rng, n: usize) -> Vec<(&'static str, i32)> {
    let mut order: Vec<usize> = (0..STATES.len()).collect();
    rng.shuffle(&mut order);
    let mut state_weight = [0.0; STATES.len()];
    for (rank, &state) in order.iter().enumerate() {
        state_weight[state] = 1.0 / ((rank + 1) as f64).powf(0.7);
    }
    // Efraimidis-Spirakis: the n largest u^(1/w) are a weighted sample
    // without replacement. Compared as ln(u) / w.
    let mut keyed: Vec<(f64, usize, i32)> = Vec::with_capacity(STATES.len() * 13);
    for (s, weight) in state_weight.iter().enumerate() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let w = weight * (1.0 + f64::from(year - FIRST_YEAR) / 12.0);
            let u = rng.f64().max(f64::MIN_POSITIVE);
            keyed.push((u.ln() / w, s, year));
        }
    }
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    keyed.truncate(n);
    let mut pairs: Vec<(&'static str, i32)> = keyed.into_iter().map(|(_, s, y)| (STATES[s], y)).collect();
    pairs.sort();
    pairs
}

/// Joins term words in the manner of the language (order, connectors,
/// German compounds, the odd hyphen).
fn assemble_term(rng: &mut Rng, vocab: &Vocab, toks: &[Tok], lang: usize) -> String {
    let words: Vec<&str> = toks.iter().map(|&t| vocab.word(t, lang)).collect();
    match lang {
        FR | IT | ES => {
            // Head first: "incident de sécurité de réseau".
            let connector = match lang {
                FR => "de",
                IT => "di",
                _ => "de",
            };
            let mut out = String::new();
            for (i, word) in words.iter().rev().enumerate() {
                if i > 0 {
                    if lang == FR && starts_with_vowel_or_h(word) {
                        out.push_str(" d'");
                        out.push_str(word);
                        continue;
                    }
                    out.push(' ');
                    out.push_str(connector);
                    out.push(' ');
                }
                out.push_str(word);
            }
            out
        }
        RU => words.iter().rev().copied().collect::<Vec<_>>().join(" "),
        DE => {
            let mut out = String::from(words[0]);
            for word in &words[1..] {
                let last_is_noun = out.chars().last().is_some_and(|c| c.is_alphabetic())
                    && out.split(' ').next_back().is_some_and(|w| w.starts_with(char::is_uppercase));
                let roll = rng.f64();
                if last_is_noun && word.starts_with(char::is_uppercase) && roll < 0.45 {
                    out.push_str(&lowercase_first(word));
                } else if roll < 0.6 {
                    out.push('-');
                    out.push_str(word);
                } else {
                    out.push(' ');
                    out.push_str(word);
                }
            }
            out
        }
        _ => {
            let mut out = String::from(words[0]);
            for word in &words[1..] {
                out.push(if rng.chance(0.08) { '-' } else { ' ' });
                out.push_str(word);
            }
            if rng.chance(0.3) { capitalize(&out) } else { out }
        }
    }
}

fn english_term(vocab: &Vocab, toks: &[Tok]) -> String {
    toks.iter().map(|&t| vocab.word(t, EN)).collect::<Vec<_>>().join(" ")
}

/// A qualifier that makes a clashing term unique: "2", "17", "B", "XK-4"...
fn qualifier(rng: &mut Rng, attempt: usize) -> String {
    match rng.below(3) {
        0 => (attempt + 2).to_string(),
        1 => {
            let letter = (b'A' + rng.below(26) as u8) as char;
            format!("{letter}{}", rng.range(1, 99))
        }
        _ => {
            let a = (b'A' + rng.below(26) as u8) as char;
            let b = (b'A' + rng.below(26) as u8) as char;
            format!("{a}{b}-{}", rng.range(1, 999))
        }
    }
}

/// A definition of 12..=60 words and, for non-English lists, its translation.
fn definition(rng: &mut Rng, vocab: &Vocab, term_toks: &[Tok], lang: usize) -> (String, Option<String>) {
    let u = rng.f64();
    let len = 12 + (48.0 * u * u) as usize;
    let mut toks: Vec<Tok> = Vec::with_capacity(len);
    // Definitions tend to repeat the term's own words early on.
    for &t in term_toks.iter().take(2) {
        if rng.chance(0.5) {
            toks.push(Tok::Function(rng.below(4)));
            toks.push(t);
        }
    }
    while toks.len() < len {
        let roll = rng.f64();
        let tok = if roll < 0.42 {
            Tok::Function(vocab.function_zipf.sample(rng))
        } else if roll < 0.52 {
            Tok::Tail(vocab.tail_zipf.sample(rng))
        } else if roll < 0.57 && !term_toks.is_empty() {
            *rng.pick(term_toks)
        } else {
            Tok::Concept(vocab.concept_zipf.sample(rng))
        };
        toks.push(tok);
    }
    toks.truncate(len);
    // A few concepts are two words ("mot de passe"): keep both renderings within 60 words.
    let words = |toks: &[Tok], lang: usize| toks.iter().map(|&t| vocab.word(t, lang).split(' ').count()).sum::<usize>();
    while toks.len() > 12 && (words(&toks, lang) > 60 || words(&toks, EN) > 60) {
        toks.pop();
    }
    // Sentence breaks after 8..=20 words.
    let mut breaks = Vec::new();
    let mut at = rng.range(8, 20);
    while at + 4 <= len {
        breaks.push(at);
        at += rng.range(8, 20);
    }
    let render = |lang: usize| {
        let mut out = String::with_capacity(len * 9);
        let mut sentence_start = true;
        let mut b = 0;
        for (i, &tok) in toks.iter().enumerate() {
            if b < breaks.len() && breaks[b] == i {
                out.push_str(". ");
                sentence_start = true;
                b += 1;
            } else if i > 0 {
                // The odd comma before a content word.
                out.push_str(if i % 7 == 3 && !matches!(tok, Tok::Function(_)) { ", " } else { " " });
            }
            let word = vocab.word(tok, lang);
            if sentence_start {
                out.push_str(&capitalize(word));
                sentence_start = false;
            } else {
                out.push_str(word);
            }
        }
        out.push('.');
        out
    };
    let text = render(lang);
    let en = (lang != EN).then(|| render(EN));
    (text, en)
}

fn domains(rng: &mut Rng) -> Vec<String> {
    let n = match rng.f64() {
        x if x < 0.3 => 0,
        x if x < 0.7 => 1,
        x if x < 0.92 => 2,
        _ => 3,
    };
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        let d = *rng.pick(&DOMAINS);
        if !out.iter().any(|x| x == d) {
            out.push(d.to_owned());
        }
    }
    out
}

fn generate_list(rng: &mut Rng, vocab: &Vocab, state: &str, year: i32, size: usize) -> GenList {
    let lang = choose_language(rng, state);
    let mut keys: HashSet<String> = HashSet::with_capacity(size * 2);
    let mut entries = Vec::with_capacity(size);
    while entries.len() < size {
        let n_words = match rng.f64() {
            x if x < 0.22 => 1,
            x if x < 0.62 => 2,
            x if x < 0.9 => 3,
            _ => 4,
        };
        let mut toks: Vec<Tok> = Vec::with_capacity(n_words);
        while toks.len() < n_words {
            let tok = if rng.chance(0.06) {
                Tok::Tail(vocab.tail_zipf.sample(rng))
            } else {
                Tok::Concept(vocab.concept_zipf.sample(rng))
            };
            let dup = toks.iter().any(|t| match (t, &tok) {
                (Tok::Concept(a), Tok::Concept(b)) | (Tok::Tail(a), Tok::Tail(b)) => a == b,
                _ => false,
            });
            if !dup {
                toks.push(tok);
            }
        }
        let mut term = assemble_term(rng, vocab, &toks, lang);
        let mut term_en = (lang != EN).then(|| english_term(vocab, &toks));
        let mut key = term_key(&term);
        let mut attempt = 0;
        if keys.contains(&key) {
            let (base, base_en) = (term.clone(), term_en.clone());
            while keys.contains(&key) {
                let q = qualifier(rng, attempt);
                attempt += 1;
                term = format!("{base} {q}");
                term_en = base_en.as_ref().map(|en| format!("{en} {q}"));
                key = term_key(&term);
            }
        }
        keys.insert(key);
        let (definition, definition_en) = definition(rng, vocab, &toks, lang);
        entries.push(GenEntry { term, definition, term_en, definition_en, domains: domains(rng) });
    }
    GenList { state: state.to_owned(), year, language: LANGUAGES[lang].to_owned(), entries }
}

/// Deterministic: the same (seed, total_entries) always yields the same lists,
/// sorted by (state, year), with `total_entries` entries in all.
pub fn generate(seed: u64, total_entries: usize) -> Vec<GenList> {
    let mut rng = Rng::new(seed, 0x6C69_7374 ^ (total_entries as u64).rotate_left(17));
    let vocab = Vocab::new(seed);
    let max_lists = STATES.len() * (LAST_YEAR - FIRST_YEAR + 1) as usize;
    let sizes = list_sizes(&mut rng, total_entries, max_lists);
    let pairs = pick_pairs(&mut rng, sizes.len());
    pairs
        .into_iter()
        .zip(sizes)
        .enumerate()
        .map(|(i, ((state, year), size))| {
            // One stream per list: a list does not depend on how the others were drawn.
            let mut list_rng = Rng::new(seed ^ rng.next_u64(), i as u64);
            generate_list(&mut list_rng, &vocab, state, year, size)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Queries.

fn alphabet(language: &str) -> &'static [char] {
    const LATIN: [char; 26] = [
        'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
        'w', 'x', 'y', 'z',
    ];
    const CYRILLIC: [char; 31] = [
        'а', 'б', 'в', 'г', 'д', 'е', 'ж', 'з', 'и', 'к', 'л', 'м', 'н', 'о', 'п', 'р', 'с', 'т', 'у', 'ф', 'х', 'ц',
        'ч', 'ш', 'щ', 'ъ', 'ы', 'ь', 'э', 'ю', 'я',
    ];
    if language == "ru" { &CYRILLIC } else { &LATIN }
}

/// Picks an entry, lists weighted by their size.
fn pick_entry<'a>(rng: &mut Rng, lists: &'a [GenList], cumulative: &[usize]) -> (usize, &'a GenEntry) {
    let total = *cumulative.last().expect("no lists");
    let x = rng.below(total);
    let li = cumulative.partition_point(|&c| c <= x);
    let list = &lists[li];
    (li, &list.entries[x - if li == 0 { 0 } else { cumulative[li - 1] }])
}

fn cumulative_sizes(lists: &[GenList]) -> Vec<usize> {
    let mut total = 0;
    lists
        .iter()
        .map(|l| {
            total += l.entries.len();
            total
        })
        .collect()
}

/// One Levenshtein edit (substitution, insertion or deletion; never a
/// transposition) inside a word of at least 4 letters, never on its first
/// letter. None if the term has no such word or the edit changes nothing.
fn one_edit(rng: &mut Rng, term: &str, language: &str) -> Option<String> {
    let chars: Vec<char> = term.chars().collect();
    // Word spans of at least 4 letters.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in chars.iter().chain(std::iter::once(&' ')).enumerate() {
        match (c.is_alphabetic(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= 4 {
                    spans.push((s, i));
                }
                start = None;
            }
            _ => {}
        }
    }
    if spans.is_empty() {
        return None;
    }
    let (s, e) = *rng.pick(&spans);
    let alphabet = alphabet(language);
    let mut out = chars.clone();
    match rng.below(3) {
        0 => {
            let pos = rng.range(s + 1, e - 1);
            let old = term_key(&chars[pos].to_string());
            let new = *rng.pick(alphabet);
            if term_key(&new.to_string()) == old {
                return None;
            }
            out[pos] = new;
        }
        1 => {
            let pos = rng.range(s + 1, e);
            out.insert(pos, *rng.pick(alphabet));
        }
        _ => {
            let pos = rng.range(s + 1, e - 1);
            out.remove(pos);
        }
    }
    let typo: String = out.into_iter().collect();
    (term_key(&typo) != term_key(term)).then_some(typo)
}

/// Finds a typo of a random term that is not itself a term of that list.
fn typo_of(
    rng: &mut Rng,
    lists: &[GenList],
    cumulative: &[usize],
    keys: &mut HashMap<usize, HashSet<String>>,
) -> (usize, String, String) {
    loop {
        let (li, entry) = pick_entry(rng, lists, cumulative);
        let Some(typo) = one_edit(rng, &entry.term, &lists[li].language) else {
            continue;
        };
        let list_keys = keys.entry(li).or_insert_with(|| lists[li].entries.iter().map(|e| term_key(&e.term)).collect());
        if !list_keys.contains(&term_key(&typo)) {
            return (li, typo, entry.term.clone());
        }
    }
}

/// Typo queries: (misspelled query, the exact original term it should find).
/// Each query is one Levenshtein edit away from its term. Deterministic.
pub fn typo_queries(seed: u64, lists: &[GenList], n: usize) -> Vec<(String, String)> {
    if lists.iter().all(|l| l.entries.is_empty()) {
        return Vec::new();
    }
    let mut rng = Rng::new(seed, 0x7479_706F);
    let cumulative = cumulative_sizes(lists);
    let mut keys = HashMap::new();
    (0..n)
        .map(|_| {
            let (_, typo, term) = typo_of(&mut rng, lists, &cumulative, &mut keys);
            (typo, term)
        })
        .collect()
}

/// Words of a text, lower-cased, sentence by sentence.
fn sentences(text: &str) -> Vec<Vec<String>> {
    text.split('.')
        .map(|s| {
            s.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-'))
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_function_word(word: &str, language: &str) -> bool {
    let lang = LANGUAGES.iter().position(|l| *l == language).unwrap_or(EN);
    FUNCTION_WORDS[lang].contains(&word)
}

/// The definition (or its English translation) an entry's full-text query is taken from.
fn query_text<'a>(rng: &mut Rng, entry: &'a GenEntry, language: &'a str) -> (&'a str, &'a str) {
    match &entry.definition_en {
        Some(en) if rng.chance(0.3) => (en, "en"),
        _ => (&entry.definition, language),
    }
}

/// 2..=4 content words of a definition, in their order.
fn fulltext_words(rng: &mut Rng, entry: &GenEntry, language: &str) -> String {
    let (text, lang) = query_text(rng, entry, language);
    let mut words: Vec<String> =
        sentences(text).into_iter().flatten().filter(|w| w.chars().count() > 2 && !is_function_word(w, lang)).collect();
    let mut seen = HashSet::new();
    words.retain(|w| seen.insert(w.clone()));
    if words.is_empty() {
        return entry.term.to_lowercase();
    }
    let want = rng.range(2, 4).min(words.len());
    let start = rng.below(words.len() - want + 1);
    // Mostly neighbours, sometimes spread out.
    if rng.chance(0.5) {
        words[start..start + want].join(" ")
    } else {
        let mut idx: Vec<usize> = (0..words.len()).collect();
        rng.shuffle(&mut idx);
        let mut idx = idx[..want].to_vec();
        idx.sort_unstable();
        idx.iter().map(|&i| words[i].as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// 2..=3 consecutive words of one sentence of a definition.
fn phrase_words(rng: &mut Rng, entry: &GenEntry, language: &str) -> String {
    let (text, lang) = query_text(rng, entry, language);
    let sentences: Vec<Vec<String>> = sentences(text).into_iter().filter(|s| s.len() >= 2).collect();
    if sentences.is_empty() {
        return entry.term.to_lowercase();
    }
    // A few tries for a phrase with at least one content word.
    let mut phrase = String::new();
    for _ in 0..8 {
        let sentence = rng.pick(&sentences);
        let want = rng.range(2, 3).min(sentence.len());
        let start = rng.below(sentence.len() - want + 1);
        let words = &sentence[start..start + want];
        phrase = words.join(" ");
        if words.iter().any(|w| !is_function_word(w, lang)) {
            break;
        }
    }
    phrase
}

/// A mixed query set for latency and load: `(kind, query string)` with kind one
/// of exact, fuzzy, fulltext, phrase, filtered; the query string is ready for
/// `GET /v1/search?<query string>`. Roughly 25% exact, 20% fuzzy, 25%
/// fulltext, 10% phrase, 20% filtered (one of the others plus language, state,
/// year, field and paging filters that the source entry meets). Deterministic.
pub fn mixed_queries(seed: u64, lists: &[GenList], n: usize) -> Vec<(String, String)> {
    if lists.iter().all(|l| l.entries.is_empty()) {
        return Vec::new();
    }
    let mut rng = Rng::new(seed, 0x6D69_7865);
    let cumulative = cumulative_sizes(lists);
    let mut keys = HashMap::new();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let roll = rng.f64();
        let kind = match roll {
            x if x < 0.25 => "exact",
            x if x < 0.45 => "fuzzy",
            x if x < 0.70 => "fulltext",
            x if x < 0.80 => "phrase",
            _ => "filtered",
        };
        let base = if kind == "filtered" { *rng.pick(&["exact", "fuzzy", "fulltext", "phrase"]) } else { kind };
        let (li, mut params) = match base {
            "fuzzy" => {
                let (li, typo, _) = typo_of(&mut rng, lists, &cumulative, &mut keys);
                let fuzzy = if rng.chance(0.85) { 1 } else { 2 };
                (li, vec![("q", typo), ("fuzzy", fuzzy.to_string())])
            }
            _ => {
                let (li, entry) = pick_entry(&mut rng, lists, &cumulative);
                let language = lists[li].language.as_str();
                let q = match base {
                    "exact" => match &entry.term_en {
                        Some(en) if rng.chance(0.2) => en.clone(),
                        _ => entry.term.clone(),
                    },
                    "fulltext" => fulltext_words(&mut rng, entry, language),
                    _ => format!("\"{}\"", phrase_words(&mut rng, entry, language)),
                };
                (li, vec![("q", q)])
            }
        };
        if kind == "filtered" {
            let list = &lists[li];
            let before = params.len();
            if rng.chance(0.5) {
                params.push(("language", list.language.clone()));
            }
            if rng.chance(0.5) {
                params.push(("state", list.state.clone()));
                if rng.chance(0.3) {
                    params.push(("state", rng.pick(&STATES).to_string()));
                }
            }
            if rng.chance(0.3) {
                params.push(("year", list.year.to_string()));
            }
            if rng.chance(0.2) {
                let field = match base {
                    "exact" | "fuzzy" => "term",
                    _ => "definition",
                };
                params.push(("field", field.to_owned()));
            }
            if params.len() == before {
                params.push(("language", list.language.clone()));
            }
            if rng.chance(0.15) {
                params.push(("limit", "20".to_owned()));
                params.push(("offset", "20".to_owned()));
            }
        }
        let qs = params.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&");
        out.push((kind.to_owned(), qs));
    }
    out
}
