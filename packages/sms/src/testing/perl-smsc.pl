#!/usr/bin/perl
# An independent SMPP 3.4 peer for the integration tests, built on Debian's
# Net::SMPP (libnet-smpp-perl), not on this project's code or node-smpp.
# It listens on 127.0.0.1 (port from argv, 0 = any free one), accepts
# bind_transceiver, answers submit_sm with message ids and delivery receipts,
# and takes commands on stdin, one per line:
#   THROTTLE n                       the next n submit_sm get ESME_RTHROTTLED (0x58)
#   THROTTLE_FOR ms [after]          throttle every submit_sm for ms, after `after` more are accepted
#   DELAY ms                         answer submit_sm this many ms late (0: at once)
#   REFUSE 1|0                       refuse every bind (0x0E) / accept them again
#   RECEIPT stat                     the stat: of the receipts from now on (DELIVRD, UNDELIV, ...)
#   DROP                             close every client connection without unbind
#   DELIVER from to data_coding hex  send a deliver_sm (short_message given in hex)
#   QUIT
# Every event is printed to stdout as one JSON object per line.
use strict;
use warnings;
use IO::Select;
use Time::HiRes qw(time);
use JSON::PP;
use Net::SMPP;

$| = 1;
my $port = shift // 0;
my $system_id = shift // 'itinerary';
my $password = shift // 'secret';

my $json = JSON::PP->new->canonical;
sub out { print $json->encode({@_}), "\n"; }

my $listener = Net::SMPP->new_listen('127.0.0.1', port => $port, smpp_version => 0x34)
  or die "cannot listen: $!";
out(event => 'listening', port => $listener->sockport);

my $sel = IO::Select->new($listener, \*STDIN);
my %bound;       # fileno => Net::SMPP connection
my $throttle = 0;
my $next_id = 1;
my $stdin_buf = '';
my $delay_ms = 0;
my ($throttle_after, $throttle_ms, $throttle_until) = (0, 0, 0);
my $refuse = 0;
my $receipt_stat = 'DELIVRD';
my @due;         # [time, connection, submit_sm pdu, id]: answers sent late

sub drop_client {
  my ($c) = @_;
  delete $bound{ fileno($c) // -1 };
  $sel->remove($c);
  close($c);
}

sub stamp {
  my @t = gmtime();
  return sprintf('%02d%02d%02d%02d%02d', $t[5] % 100, $t[4] + 1, $t[3], $t[2], $t[1]);
}

sub handle_command {
  my ($line) = @_;
  $line =~ s/\s+$//;
  my @a = split / /, $line;
  my $cmd = shift(@a) // '';
  if ($cmd eq 'THROTTLE') {
    $throttle = $a[0] // 1;
    out(event => 'ok', command => 'THROTTLE', n => $throttle + 0);
  } elsif ($cmd eq 'THROTTLE_FOR') {
    ($throttle_ms, $throttle_after) = (($a[0] // 0) + 0, ($a[1] // 0) + 0);
    $throttle_until = $throttle_after > 0 ? 0 : time() + $throttle_ms / 1000;
    out(event => 'ok', command => 'THROTTLE_FOR', ms => $throttle_ms, after => $throttle_after);
  } elsif ($cmd eq 'DELAY') {
    $delay_ms = ($a[0] // 0) + 0;
    out(event => 'ok', command => 'DELAY', ms => $delay_ms);
  } elsif ($cmd eq 'REFUSE') {
    $refuse = ($a[0] // 1) + 0;
    out(event => 'ok', command => 'REFUSE', on => $refuse);
  } elsif ($cmd eq 'RECEIPT') {
    $receipt_stat = $a[0] // 'DELIVRD';
    out(event => 'ok', command => 'RECEIPT', stat => $receipt_stat);
  } elsif ($cmd eq 'DROP') {
    my @clients = grep { $_ != $listener && $_ != \*STDIN } $sel->handles;
    drop_client($_) for @clients;
    out(event => 'ok', command => 'DROP', dropped => scalar(@clients));
  } elsif ($cmd eq 'DELIVER') {
    my ($from, $to, $dc, $hex, $esm) = @a;
    my ($c) = values %bound;
    if (!$c) { out(event => 'error', command => 'DELIVER', reason => 'no bound client'); return; }
    $c->deliver_sm(
      source_addr_ton => 1, source_addr_npi => 1, source_addr => $from,
      dest_addr_ton => 0, dest_addr_npi => 1, destination_addr => $to,
      esm_class => ($esm // 0) + 0, data_coding => $dc + 0,
      short_message => pack('H*', $hex), async => 1);
    out(event => 'ok', command => 'DELIVER');
  } elsif ($cmd eq 'QUIT') {
    out(event => 'bye');
    exit 0;
  }
}

sub answer_submit {
  my ($c, $pdu, $id) = @_;
  return if !defined fileno($c);    # the client went away meanwhile
  $c->submit_sm_resp(seq => $pdu->{seq}, message_id => $id);
  out(event => 'submit_sm_resp', id => $id);
  if ($pdu->{registered_delivery} & 1) {
    my $s = stamp();
    my $ok = $receipt_stat eq 'DELIVRD';
    $c->deliver_sm(
      source_addr_ton => $pdu->{dest_addr_ton}, source_addr_npi => $pdu->{dest_addr_npi},
      source_addr => $pdu->{destination_addr}, destination_addr => $pdu->{source_addr},
      esm_class => 0x04, data_coding => 0,
      short_message => "id:$id sub:001 dlvrd:00" . ($ok ? 1 : 0) . " submit date:$s done date:$s stat:$receipt_stat err:" . ($ok ? '000' : '001') . ' text:',
      receipted_message_id => "$id\0", message_state => chr($ok ? 2 : 5), async => 1);
    out(event => 'receipt_sent', id => $id, stat => $receipt_stat);
  }
}

sub handle_pdu {
  my ($c, $pdu) = @_;
  my $cmd = $pdu->{cmd};
  if ($cmd == Net::SMPP::CMD_bind_transceiver) {
    my $ok = !$refuse && $pdu->{system_id} eq $system_id && $pdu->{password} eq $password;
    $c->bind_transceiver_resp(seq => $pdu->{seq}, status => ($ok ? 0 : 0x0E), system_id => 'perl-smsc');
    out(event => 'bind', system_id => $pdu->{system_id}, ok => $ok ? JSON::PP::true : JSON::PP::false);
    if ($ok) { $bound{ fileno($c) } = $c; } else { drop_client($c); }
  } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
    if (!$bound{ fileno($c) }) {
      $c->submit_sm_resp(seq => $pdu->{seq}, status => 0x04, message_id => '');
      return;
    }
    if ($throttle_after > 0) {
      $throttle_until = time() + $throttle_ms / 1000 if --$throttle_after == 0;
    } elsif ($throttle > 0 || time() < $throttle_until) {
      $throttle-- if $throttle > 0;
      $c->submit_sm_resp(seq => $pdu->{seq}, status => 0x58, message_id => '');
      out(event => 'throttled', dest => $pdu->{destination_addr});
      return;
    }
    my $id = sprintf('P%07d', $next_id++);
    out(event => 'submit_sm', id => $id, source => $pdu->{source_addr}, dest => $pdu->{destination_addr},
        source_ton => $pdu->{source_addr_ton}, source_npi => $pdu->{source_addr_npi},
        dest_ton => $pdu->{dest_addr_ton}, dest_npi => $pdu->{dest_addr_npi},
        validity => $pdu->{validity_period},
        esm_class => $pdu->{esm_class}, data_coding => $pdu->{data_coding},
        registered_delivery => $pdu->{registered_delivery}, hex => unpack('H*', $pdu->{short_message}));
    if ($delay_ms > 0) { push @due, [time() + $delay_ms / 1000, $c, $pdu, $id]; return; }
    answer_submit($c, $pdu, $id);
  } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
    $c->enquire_link_resp(seq => $pdu->{seq});
    out(event => 'enquire_link');
  } elsif ($cmd == Net::SMPP::CMD_unbind) {
    $c->unbind_resp(seq => $pdu->{seq});
    out(event => 'unbind');
    drop_client($c);
  } elsif ($cmd == Net::SMPP::CMD_deliver_sm_resp) {
    out(event => 'deliver_sm_resp', status => $pdu->{status});
  } elsif (!($cmd & 0x80000000)) {
    $c->generic_nack(seq => $pdu->{seq}, status => 0x03);
  }
}

while (1) {
  my $wait = 1;
  if (@due) { my $d = $due[0][0] - time(); $wait = $d < 0 ? 0 : $d < 1 ? $d : 1; }
  my @ready = $sel->can_read($wait);
  while (@due && $due[0][0] <= time()) { my $x = shift @due; answer_submit($x->[1], $x->[2], $x->[3]); }
  for my $fh (@ready) {
    if ($fh == $listener) {
      my $c = $listener->accept or next;
      $sel->add($c);
      out(event => 'connect');
    } elsif ($fh == \*STDIN) {
      # sysread, not <STDIN>: buffered reads would hide queued lines from select.
      my $n = sysread(STDIN, my $chunk, 4096);
      exit 0 if !$n;    # the test runner went away
      $stdin_buf .= $chunk;
      while ($stdin_buf =~ s/^([^\n]*)\n//) { handle_command($1); }
    } else {
      my $pdu = $fh->read_pdu();
      if (!$pdu) { out(event => 'disconnect'); drop_client($fh); next; }
      handle_pdu($fh, $pdu);
    }
  }
}
