//! The layering of `app/src`, checked: a module may use only modules of
//! its own layer or below, and no feature is used from below. README.md
//! ("Layout") shows the same list.

/// Layers from the bottom up.
const LAYERS: &[&[&str]] = &[
    &["codes", "i18n"],
    &["problem"],
    &[
        "error", "values", "ids", "time", "format", "search", "secret",
    ],
    &["roles"],
    &["policy"],
    &["store", "upload", "documents"],
    &["sealed", "audit"],
    &["state"],
    &["identity"],
    &["rpc"],
    &[
        "account", "admin", "officers", "fleet", "footage", "trail", "status", "cases", "tracking",
    ],
    &["layout", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

#[test]
fn no_module_uses_one_above_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    let mut wrong = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let module = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_string();
            if module == "layering" {
                continue;
            }
            let Some(own) = layer_of(&module) else {
                wrong.push(format!("{rel}: module {module} is in no layer"));
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let used: String = code[i + 7..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if used == module || used == "debug_redacted" {
                        continue;
                    }
                    match layer_of(&used) {
                        Some(l) if l <= own => {}
                        Some(_) => {
                            wrong.push(format!("{rel}:{}: {module} uses {used}, above it", n + 1))
                        }
                        None => wrong.push(format!("{rel}:{}: {used} is in no layer", n + 1)),
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
