// The io layer: the event loop, timers, sockets and blocking calls.
#pragma once

#include "duet/io/blocking.hpp"
#include "duet/io/datagram.hpp"
#include "duet/io/file.hpp"
#include "duet/io/io_handle.hpp"
#include "duet/io/io_loop.hpp"
#include "duet/io/pipe.hpp"
#include "duet/io/process.hpp"
#include "duet/io/signal.hpp"
#include "duet/io/socket.hpp"
#include "duet/io/socket_address.hpp"
#include "duet/io/tcp.hpp"
#include "duet/io/timer.hpp"
#include "duet/io/unix_socket.hpp"
