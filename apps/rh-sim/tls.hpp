#pragma once
/// A throwaway self-signed certificate so clients can exercise their TLS path against rh-sim.
#include <optional>
#include <string>

namespace rhsim {

/// PEM texts of a certificate and its private key.
struct CertificatePair {
  std::string cert_pem, key_pem;
};

/// EC P-256 key and a certificate for 127.0.0.1 and localhost, valid for 30 days.
/// std::nullopt (and `error`) if OpenSSL refuses.
std::optional<CertificatePair> make_self_signed(std::string& error);

}  // namespace rhsim
