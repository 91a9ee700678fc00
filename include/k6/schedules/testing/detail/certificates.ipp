// SPDX-License-Identifier: BSL-1.0
// The certificates of k6/schedules/testing/loopback.hpp, compiled into k6::schedules_testing.
#include <k6/schedules/testing/loopback.hpp>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace k6::loopback {
namespace {

template <auto Free>
struct Deleter {
    template <class T>
    void operator()(T* p) const {
        Free(p);
    }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BigNum = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using PrivateKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509_free>>;

[[noreturn]] void fail(std::string_view what) {
    std::string message(what);
    while (unsigned long code = ERR_get_error()) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        message += ": ";
        message += text;
    }
    throw std::runtime_error(message);
}

void check(bool ok, std::string_view what) {
    if (!ok) fail(what);
}

PrivateKey new_p256_key() {
    PrivateKey key(EVP_EC_gen("P-256"));
    check(key != nullptr, "generating EC P-256 key");
    return key;
}

// Everything the CA and leaf have in common: v3, random serial, validity window, subject CN, public key.
Certificate new_certificate(std::string_view common_name, EVP_PKEY* key) {
    Certificate cert(X509_new());
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "setting certificate version");

    BigNum serial(BN_new());
    check(serial != nullptr, "BN_new");
    do {  // a zero serial is invalid (RFC 5280); astronomically unlikely, but cheap to rule out
        check(BN_rand(serial.get(), 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1, "generating serial");
    } while (BN_is_zero(serial.get()));
    check(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr, "setting serial");

    // Back-date by an hour so small clock differences between processes don't make it "not yet valid".
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60L * 60) != nullptr, "setting notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 30L * 24 * 60 * 60) != nullptr, "setting notAfter");

    check(common_name.size() <= INT_MAX, "common name too long");
    X509_NAME* subject = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.data()),
                                     static_cast<int>(common_name.size()), -1, 0) == 1,
          "setting common name");
    check(X509_set_pubkey(cert.get(), key) == 1, "setting public key");
    return cert;
}

void add_extension(X509* cert, X509V3_CTX& context, int nid, const std::string& value) {
    Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    check(extension != nullptr, std::string("building extension ") + OBJ_nid2sn(nid) + "=" + value);
    check(X509_add_ext(cert, extension.get(), -1) == 1, "adding extension");
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
    check(X509_sign(cert, issuer_key, EVP_sha256()) > 0, "signing certificate");
}

template <class Write>
std::string to_pem(Write write) {
    Bio bio(BIO_new(BIO_s_mem()));
    check(bio != nullptr, "BIO_new");
    check(write(bio.get()) == 1, "writing PEM");
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

KeyAndCert to_pem(EVP_PKEY* key, X509* cert) {
    return {
        to_pem([&](BIO* bio) { return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr); }),
        to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert); }),
    };
}

Bio read_bio(std::string_view pem) {
    check(pem.size() <= INT_MAX, "PEM too large");
    Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    check(bio != nullptr, "BIO_new_mem_buf");
    return bio;
}

}  // namespace

KeyAndCert make_ca(std::string_view common_name) {
    ERR_clear_error();  // so failures report only their own errors
    PrivateKey key = new_p256_key();
    Certificate cert = new_certificate(common_name, key.get());
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1, "setting issuer");

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), context, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), context, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), context, NID_subject_key_identifier, "hash");
    sign(cert.get(), key.get());
    return to_pem(key.get(), cert.get());
}

KeyAndCert make_leaf(const KeyAndCert& ca, std::string_view common_name,
                     const std::vector<std::string>& subject_alt_names) {
    ERR_clear_error();
    Certificate ca_cert(PEM_read_bio_X509(read_bio(ca.cert_pem).get(), nullptr, nullptr, nullptr));
    check(ca_cert != nullptr, "reading CA certificate");
    PrivateKey ca_key(PEM_read_bio_PrivateKey(read_bio(ca.key_pem).get(), nullptr, nullptr, nullptr));
    check(ca_key != nullptr, "reading CA private key");
    check(X509_check_private_key(ca_cert.get(), ca_key.get()) == 1, "CA key does not match CA certificate");

    // OpenSSL's config syntax joins names with ',', so an entry must not contain one.
    std::string alt_names;
    for (const std::string& name : subject_alt_names) {
        if (name.empty() || name.find(',') != std::string::npos)
            throw std::runtime_error("invalid subjectAltName entry: \"" + name + "\"");
        alt_names += (alt_names.empty() ? "" : ",") + name;
    }

    PrivateKey key = new_p256_key();
    Certificate cert = new_certificate(common_name, key.get());
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get())) == 1, "setting issuer");

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, ca_cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), context, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), context, NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), context, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), context, NID_subject_key_identifier, "hash");
    add_extension(cert.get(), context, NID_authority_key_identifier, "keyid:always");
    if (!alt_names.empty()) add_extension(cert.get(), context, NID_subject_alt_name, alt_names);
    sign(cert.get(), ca_key.get());
    return to_pem(key.get(), cert.get());
}

void write_file(const std::filesystem::path& path, std::string_view text) {
    static std::atomic<unsigned> counter{0};
    std::filesystem::path temp = path;
    temp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    auto error = [&](const char* what) {
        return std::system_error(errno, std::generic_category(), std::string(what) + " " + temp.string());
    };

    // Created 0600 from the start (not chmod-ed later) so the key is never readable by others.
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw error("creating");
    try {
        if (::fchmod(fd, 0600) != 0) throw error("chmod");  // umask may have removed bits we need
        while (!text.empty()) {
            ssize_t written = ::write(fd, text.data(), text.size());
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) throw error("writing");
            text.remove_prefix(static_cast<std::size_t>(written));
        }
        if (::fsync(fd) != 0) throw error("syncing");
        if (::close(std::exchange(fd, -1)) != 0) throw error("closing");
        std::filesystem::rename(temp, path);
    } catch (...) {
        if (fd >= 0) ::close(fd);
        std::error_code ignored;
        std::filesystem::remove(temp, ignored);
        throw;
    }
}

}  // namespace k6::loopback
