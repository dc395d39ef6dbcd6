//! A mail server for tests, speaking SMTP (RFC 5321) over plain TCP: it greets, takes EHLO,
//! MAIL, RCPT and DATA, and keeps each message it accepts. `refusing` answers every recipient
//! with a permanent failure, as a server whose account is locked does.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// One accepted message: envelope recipients and the DATA as sent.
#[derive(Debug, Clone)]
pub struct Received {
    pub recipients: Vec<String>,
    pub data: String,
}

/// Starts the server; its `smtp://` URL and what it receives.
pub async fn start(refusing: bool) -> (String, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let kept = inbox.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let kept = kept.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let mut recipients = Vec::new();
                write.write_all(b"220 test.smtp ESMTP ready\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250-test.smtp\r\n250 8BITMIME\r\n",
                        "MAIL" => b"250 2.1.0 OK\r\n",
                        "RCPT" if refusing => b"550 5.7.1 Mailbox unavailable\r\n",
                        "RCPT" => {
                            recipients.push(line.clone());
                            b"250 2.1.5 OK\r\n"
                        }
                        "DATA" => {
                            write
                                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                                .await
                                .unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            kept.lock().unwrap().push(Received {
                                recipients: std::mem::take(&mut recipients),
                                data,
                            });
                            b"250 2.0.0 Queued\r\n"
                        }
                        "RSET" | "NOOP" => b"250 OK\r\n",
                        "QUIT" => {
                            let _ = write.write_all(b"221 Bye\r\n").await;
                            return;
                        }
                        _ => b"502 5.5.2 Command not recognized\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, inbox)
}
