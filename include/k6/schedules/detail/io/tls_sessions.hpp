// SPDX-License-Identifier: BSL-1.0
// TLS session resumption with the API's host. A server that closes after every answer, or idle
// connections that expire, make each call open a connection: resuming the last session (a ticket
// the server sent) spares the full handshake's key exchange and certificate checks.
#ifndef K6_SCHEDULES_DETAIL_IO_TLS_SESSIONS_HPP
#define K6_SCHEDULES_DETAIL_IO_TLS_SESSIONS_HPP

#include <k6/schedules/detail/config.hpp>

#include <openssl/ssl.h>

#include <memory>
#include <mutex>

K6_SCHEDULES_BEGIN_NAMESPACE
namespace detail {

// The last resumable session of one client with its API host. One per client, which has one API
// host: a session is only ever offered to the host whose certificate and name were verified when
// it was made (a resumed handshake does not check them again), never to a proxy or to another
// client's host. Safe from any thread.
class TlsSessionCache {
public:
    // Offers the saved session, if any, to a connection about to handshake with the API host. The
    // server may decline it: the handshake is then a full one, verified as always.
    void offer(SSL* connection) const {
        std::lock_guard lock(mutex_);
        if (session_) SSL_set_session(connection, session_.get());
    }

    // Keeps the session of a connection that has carried an answer: by then a TLS 1.3 server has
    // sent its ticket, which arrives after the handshake. A copy, not the connection's own object:
    // freeing a connection that was not shut down (a server that closed first, an idle one
    // dropped) marks its session not resumable, which would spoil the one kept here.
    void keep(SSL* connection) {
        const SSL_SESSION* live = SSL_get0_session(connection);
        if (!live || !SSL_SESSION_is_resumable(live)) return;
        Session copy(SSL_SESSION_dup(live));
        if (!copy) return;
        std::lock_guard lock(mutex_);
        session_ = std::move(copy);
    }

    // After a failed handshake: the next one starts afresh.
    void forget() {
        std::lock_guard lock(mutex_);
        session_.reset();
    }

private:
    struct Free {
        void operator()(SSL_SESSION* session) const noexcept { SSL_SESSION_free(session); }
    };
    using Session = std::unique_ptr<SSL_SESSION, Free>;

    mutable std::mutex mutex_;
    Session session_;
};

}  // namespace detail
K6_SCHEDULES_END_NAMESPACE

#endif  // K6_SCHEDULES_DETAIL_IO_TLS_SESSIONS_HPP
