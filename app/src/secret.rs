//! Secrets stay out of logs: `Debug` of anything that holds a password, a
//! hash, a TOTP secret or a token prints `[redacted]` in its place.

/// Implements `Debug` for a struct, showing the `shown` fields and writing
/// `[redacted]` for the `hidden` ones (so a `{:?}` in a log line, a panic
/// message or a test failure never carries the secret).
#[macro_export]
macro_rules! debug_redacted {
    ($ty:ident { $($shown:ident),* $(,)? } hide { $($hidden:ident),* $(,)? }) => {
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &"[redacted]"))*
                    .finish()
            }
        }
    };
}

#[cfg(test)]
mod tests {
    struct Account {
        name: String,
        password: String,
    }
    crate::debug_redacted!(Account { name } hide { password });

    #[test]
    fn hidden_fields_never_print() {
        let a = Account {
            name: "ana".into(),
            password: "correct horse battery".into(),
        };
        let shown = format!("{a:?}");
        assert!(
            shown.contains("ana") && shown.contains("[redacted]"),
            "{shown}"
        );
        assert!(!shown.contains("horse"), "{shown}");
        assert!(!a.password.is_empty());
    }
}
